import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";

/** Prefixes every line a child prints with its name, so that interleaved logs stay readable. */
export function pipePrefixed(child: ChildProcess, name: string): void {
  const tag = `[${name}]`.padEnd(9);
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    readline.createInterface({ input: stream }).on("line", (line) => out.write(`${tag}${line}\n`));
  }
}

export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  pipePrefixed(child, name);
  return child;
}

/** Runs a command to completion with prefixed output; rejects on a non-zero exit. */
export function runToEnd(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = startChild(name, command, args, env);
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });
}

/** SIGTERM, then SIGKILL if the child has not gone within `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
