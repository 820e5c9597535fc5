import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import readline from "node:readline";

/**
 * The bench's child processes: the worker under test, the broker, the publishers, the
 * API probe, the web server, the bare file server and the download clients each run in a
 * process of their own, as they would in production, so
 * that no figure is bent by sharing an event loop with the load generator.
 *
 * Every child started here is tracked, and `stopAll` ends them by their own PID.
 */
const running = new Set<BenchChild>();

export interface BenchChild {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The next JSON message of `type` the child prints on stdout. */
  next: <T = Record<string, unknown>>(type: string, timeoutMs?: number) => Promise<T>;
  /** Resolves when a stdout line matches (for children that print plain logs). */
  waitForLine: (re: RegExp, timeoutMs?: number) => Promise<string>;
  /** One JSON line to the child's stdin. */
  send: (msg: Record<string, unknown>) => void;
  /** The last lines it printed, for an error message. */
  tail: () => string;
  stop: (graceMs?: number) => Promise<void>;
}

/** Runs `node --import tsx <script> [args]` with `env`; stdout lines that are JSON are messages. */
export function spawnTsx(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  opts: { logFile?: string; args?: string[] } = {},
): BenchChild {
  const proc = spawn(process.execPath, ["--import", "tsx", script, ...(opts.args ?? [])], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  const log = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  const onLine = (line: string) => {
    log?.write(`${line}\n`);
    lines.push(line);
    if (lines.length > 200) lines.shift();
    if (line.startsWith("{")) {
      try {
        messages.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a log line that happens to start with a brace
      }
    }
    for (const w of waiters.splice(0)) w();
  };
  readline.createInterface({ input: proc.stdout! }).on("line", onLine);
  readline.createInterface({ input: proc.stderr! }).on("line", (l) => onLine(`[stderr] ${l}`));
  let exited = false;
  proc.on("exit", () => {
    exited = true;
    log?.end();
    running.delete(child);
    for (const w of waiters.splice(0)) w();
  });
  proc.stdin!.on("error", () => {});

  const tail = () => lines.slice(-40).join("\n");
  const waitFor = <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`${name}: no ${what} within ${timeoutMs} ms\n${tail()}`)),
        timeoutMs,
      );
      const check = () => {
        const found = find();
        if (found !== undefined) {
          clearTimeout(deadline);
          resolve(found);
        } else if (exited) {
          clearTimeout(deadline);
          reject(new Error(`${name} exited (code ${proc.exitCode}) before ${what}\n${tail()}`));
        } else {
          waiters.push(check);
        }
      };
      check();
    });

  const child: BenchChild = {
    name,
    proc,
    pid: proc.pid!,
    next: <T>(type: string, timeoutMs = 60_000) =>
      waitFor(
        () => {
          const i = messages.findIndex((m) => m.type === type);
          return i < 0 ? undefined : (messages.splice(i, 1)[0] as T);
        },
        `"${type}" message`,
        timeoutMs,
      ),
    waitForLine: (re, timeoutMs = 60_000) => waitFor(() => lines.find((l) => re.test(l)), `line ${re}`, timeoutMs),
    send: (msg) => {
      if (!exited) proc.stdin!.write(`${JSON.stringify(msg)}\n`);
    },
    tail,
    stop: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
        proc.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
  running.add(child);
  return child;
}

/** Ends every child still running (on the way out, also after a failure). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => c.stop(5000)));
}

/** For the child scripts: one JSON message to the parent. */
export function emit(msg: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

/** For the child scripts: calls `fn` for every JSON line the parent sends. */
export function onParentMessage(fn: (msg: Record<string, unknown>) => void): void {
  readline.createInterface({ input: process.stdin }).on("line", (line) => {
    try {
      fn(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // ignore anything that is not a message
    }
  });
}

/** A process's resident set (VmRSS) and its peak (VmHWM), in MiB, from /proc. */
export function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rssMiB: kb("VmRSS") / 1024, hwmMiB: kb("VmHWM") / 1024 };
  } catch {
    return null;
  }
}

/** The PID of every bench child still running, by name (for the CPU meter). */
export function runningPids(): Record<string, number> {
  return Object.fromEntries([...running].map((c) => [c.name, c.pid]));
}
