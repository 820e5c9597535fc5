import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { endProcess, exited } from "./services";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..");

/** Lines of a worker's log worth counting in the results (they explain losses). */
const NOTABLE: [string, RegExp][] = [
  ["tick failures", /tick failed/],
  ["batch retries", /ingest: batch of \d+ failed/],
  ["unacknowledged commands", /commands not acknowledged/],
  ["dropped reports", /ingest: dropped/],
];

export interface Crash {
  at: Date;
  /** Exit code or signal. */
  how: string;
  /** The first line of the error it printed, if any, and the lines after it (the stack). */
  error: string | null;
  stack: string[];
}

/**
 * One worker slot: `node --import tsx worker/index.ts` with the environment the suite
 * gives it, started, killed and started again by its PID. Its output goes to a log file
 * (one per slot, across restarts) and the last lines stay in memory for error messages.
 *
 * A worker that exits when the suite did not stop it has crashed: that is recorded (it
 * fails the scenario), and the slot starts it again a second later, as a supervisor
 * (systemd, Kubernetes) would, so that the rest of the run still measures what is lost.
 */
export class WorkerSlot {
  private proc: ChildProcess | null = null;
  private lines: string[] = [];
  readonly notable: Record<string, number> = Object.fromEntries(NOTABLE.map(([k]) => [k, 0]));
  readonly crashes: Crash[] = [];
  starts = 0;
  private expectExit = false;
  private closed = false;
  private restarting: Promise<void> | null = null;

  constructor(
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
    readonly logFile: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the worker; resolves once it prints `ready: worker` (bounded). */
  async start(timeoutMs = 45_000): Promise<void> {
    if (this.closed) throw new Error(`${this.name}: the scenario is over`);
    this.expectExit = false;
    const proc = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
      cwd: REPO_ROOT,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = proc;
    this.starts++;
    const log = fs.createWriteStream(this.logFile, { flags: "a" });
    log.write(`--- start #${this.starts} pid ${proc.pid} at ${new Date().toISOString()}\n`);
    let ready: (() => void) | null = null;
    const onLine = (line: string) => {
      log.write(`${line}\n`);
      this.lines.push(line);
      if (this.lines.length > 60) this.lines.shift();
      for (const [k, re] of NOTABLE) if (re.test(line)) this.notable[k]!++;
      if (ready && line.includes("ready: worker")) ready();
    };
    readline.createInterface({ input: proc.stdout! }).on("line", onLine);
    readline.createInterface({ input: proc.stderr! }).on("line", (l) => onLine(`[stderr] ${l}`));
    proc.once("exit", (code, signal) => {
      log.write(`--- exit ${signal ?? code} at ${new Date().toISOString()}\n`);
      log.end();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`${this.name} did not become ready within ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
      const onExit = (code: number | null, signal: string | null) =>
        fail(new Error(`${this.name} exited (${signal ?? code}) while starting:\n${this.tail()}`));
      const fail = (err: Error) => {
        clearTimeout(timer);
        ready = null;
        proc.off("exit", onExit);
        proc.kill("SIGKILL");
        reject(err);
      };
      ready = () => {
        clearTimeout(timer);
        ready = null;
        proc.off("exit", onExit);
        proc.once("exit", (code, signal) => this.exitedOnItsOwn(proc, String(signal ?? code)));
        resolve();
      };
      proc.once("exit", onExit);
    });
  }

  private exitedOnItsOwn(proc: ChildProcess, how: string) {
    if (this.expectExit || this.closed || proc !== this.proc) return;
    const i = this.lines.findLastIndex((l) => /Error|error:/.test(l));
    const error = i >= 0 ? this.lines[i]! : null;
    const stack = i >= 0 ? this.lines.slice(i + 1, i + 9).map((l) => l.replace(/^\[stderr\]\s*/, "").trim()) : [];
    this.crashes.push({ at: new Date(), how, error, stack });
    this.log(
      `${this.name} (pid ${proc.pid}) exited on its own (${how})${error ? `: ${error.replace(/^\[stderr\]\s*/, "")}` : ""}; starting it again in 1 s`,
    );
    this.proc = null;
    this.restarting = (async () => {
      const until = Date.now() + 120_000;
      while (!this.closed && Date.now() < until) {
        await sleep(1000);
        if (this.closed) return;
        try {
          await this.start();
          this.log(`${this.name} started again (pid ${this.pid})`);
          return;
        } catch (err) {
          this.log(`${this.name} could not start again: ${(err as Error).message.split("\n")[0]}`);
        }
      }
    })().finally(() => (this.restarting = null));
  }

  /** SIGKILL: the process dies wherever it is. */
  async kill(): Promise<void> {
    await this.restarting;
    this.expectExit = true;
    await endProcess(this.proc, "SIGKILL", 5000);
    this.proc = null;
  }

  /**
   * SIGTERM, as a deploy sends, and waits for the worker to stop on its own. Returns how
   * long it took and whether it had to be killed after `graceMs`.
   */
  async terminate(graceMs: number): Promise<{ ms: number; clean: boolean }> {
    await this.restarting;
    this.expectExit = true;
    const proc = this.proc;
    const t0 = Date.now();
    if (!proc || !this.running) return { ms: 0, clean: true };
    proc.kill("SIGTERM");
    const clean = await exited(proc, graceMs);
    if (!clean) await endProcess(proc, "SIGKILL", 5000);
    this.proc = null;
    return { ms: Date.now() - t0, clean: clean && proc.exitCode === 0 };
  }

  /** The end of the scenario: no more restarts, then a clean stop. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    await this.restarting;
    await this.terminate(graceMs);
  }

  tail(n = 25): string {
    return this.lines.slice(-n).join("\n");
  }
}
