import { spawn, type ChildProcess } from "node:child_process";

/**
 * The worker as a real process (worker/index.ts), for tests that kill it: resolves once
 * it says it is ready. Its output is kept in `output()` for a failing test to print.
 */
export function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess & { output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    env: { ...process.env, OTA_TICK_INTERVAL_MS: "200", PUBLIC_URL: "http://127.0.0.1:9", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const withOutput = Object.assign(child, { output: () => out });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready: worker")) {
        clearTimeout(timer);
        resolve(withOutput);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`worker exited with ${code}:\n${out}`)));
  });
}

/** Sends `signal` and waits for the process to be gone. */
export async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.kill(signal);
  return exited;
}
