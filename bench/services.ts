import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import postgres from "postgres";
import { runMigrations } from "@/lib/db/migrate";
import { ensureDatabase, startEmbeddedPostgres } from "@/lib/embedded/postgres";
import { freePort } from "@/lib/embedded/ports";
import type { BenchArgs } from "./args";
import { spawnTsx } from "./children";

export interface BenchServices {
  databaseUrl: string;
  mqttUrl: string;
  postgres: { kind: "embedded" | "external"; version: string };
  broker: { kind: string; version: string; managed: boolean; pid?: number; note?: string };
  /** Scratch space of this run (worker log, broker config); removed by stop(). */
  tmpDir: string;
  stop: () => Promise<void>;
}

const MOSQUITTO = "/usr/sbin/mosquitto";

/**
 * PostgreSQL and a broker for one run, like tests/support/services.ts: with
 * DATABASE_URL, a fresh database on that (local) server, dropped afterwards; otherwise
 * an embedded PostgreSQL in a temporary directory. With MQTT_URL, that broker;
 * otherwise aedes in a child process, or (`--broker mosquitto`) a mosquitto started
 * for the run with a queue limit that cannot drop the bench's messages.
 */
export async function startBenchServices(args: BenchArgs, log: (line: string) => void): Promise<BenchServices> {
  const stops: (() => Promise<void>)[] = [];
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-bench-"));
  // The embedded server runs as the `postgres` user when we are root: let it into the directory.
  fs.chmodSync(tmpDir, 0o777);
  stops.push(async () => fs.rmSync(tmpDir, { recursive: true, force: true }));
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`teardown: ${e}`));
  };
  try {
    let databaseUrl: string;
    let pgKind: "embedded" | "external";
    const external = process.env.DATABASE_URL;
    if (external) {
      assertLocal(external, "DATABASE_URL");
      const name = `flotilla_bench_${randomBytes(4).toString("hex")}`;
      await ensureDatabase(external, name);
      const url = new URL(external);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      stops.push(async () => {
        const sql = postgres(external, { max: 1, onnotice: () => {} });
        await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await sql.end();
      });
      pgKind = "external";
      log(`PostgreSQL: database ${name} on ${url.host} (dropped at the end)`);
    } else {
      const port = await freePort();
      const pg = await startEmbeddedPostgres({ dataDir: path.join(tmpDir, "pg"), port, persistent: false });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
      pgKind = "embedded";
      log(`PostgreSQL: embedded on 127.0.0.1:${port}`);
    }
    await runMigrations(databaseUrl);
    const version = await pgVersion(databaseUrl);

    let mqttUrl: string;
    let broker: BenchServices["broker"];
    if (process.env.MQTT_URL) {
      mqttUrl = process.env.MQTT_URL;
      assertLocal(mqttUrl, "MQTT_URL");
      const v = await brokerVersion(mqttUrl);
      broker = {
        kind: v?.startsWith("mosquitto") ? "mosquitto" : "external",
        version: v ?? "unknown",
        managed: false,
        note: v?.startsWith("mosquitto")
          ? "the server's own configuration: with mosquitto's default max_queued_messages (1000) a slow subscriber loses QoS 1 messages; the bench counts them as drops"
          : undefined,
      };
      log(`MQTT: ${mqttUrl} (${broker.version})`);
    } else if (args.broker === "mosquitto") {
      const port = await freePort();
      const conf = path.join(tmpDir, "mosquitto.conf");
      // No queue limit for the bench's two heavy subscribers (the counting subscriber and
      // the worker's status connection), so that a slow consumer is measured, not dropped.
      fs.writeFileSync(
        conf,
        [
          `listener ${port} 127.0.0.1`,
          "allow_anonymous true",
          "persistence false",
          "max_queued_messages 0",
          "max_queued_bytes 0",
          "user root",
          "log_dest none",
          "",
        ].join("\n"),
      );
      const proc = spawn(MOSQUITTO, ["-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      proc.stderr!.on("data", (d) => (err += String(d)));
      stops.push(
        () =>
          new Promise<void>((resolve) => {
            if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
            proc.once("exit", () => resolve());
            proc.kill("SIGTERM");
          }),
      );
      await waitForPort(port, 5000).catch((e) => {
        throw new Error(`mosquitto did not start: ${e.message}\n${err}`);
      });
      mqttUrl = `mqtt://127.0.0.1:${port}`;
      const v = await brokerVersion(mqttUrl);
      broker = {
        kind: "mosquitto",
        version: v ?? "mosquitto",
        managed: true,
        pid: proc.pid,
        note: "started by the bench, max_queued_messages 0 (no limit)",
      };
      log(`MQTT: ${broker.version} started on ${mqttUrl} (pid ${proc.pid})`);
    } else {
      const port = await freePort();
      const child = spawnTsx("broker", "bench/procs/broker.ts", { ...process.env, BENCH_BROKER_PORT: String(port) });
      stops.push(() => child.stop());
      const ready = await child.next<{ url: string }>("ready", 30_000);
      mqttUrl = ready.url;
      broker = {
        kind: "aedes",
        version: `aedes ${packageVersion("aedes")}`,
        managed: true,
        pid: child.pid,
        note: "embedded default, in a child process of its own",
      };
      log(`MQTT: aedes on ${mqttUrl} (pid ${child.pid})`);
    }
    return { databaseUrl, mqttUrl, postgres: { kind: pgKind, version }, broker, tmpDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The bench creates and drops databases: never against anything but this machine. */
function assertLocal(url: string, what: string): void {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  if (!["127.0.0.1", "localhost", "::1"].includes(host)) {
    throw new Error(`${what} points at ${host}; the bench only runs against servers on this machine.`);
  }
}

async function pgVersion(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ v: string }[]>`SELECT current_setting('server_version') AS v`;
    return `PostgreSQL ${row!.v.split(" ")[0]}`;
  } finally {
    await sql.end();
  }
}

/** Mosquitto names itself on `$SYS/broker/version` (retained); aedes does not. */
async function brokerVersion(url: string): Promise<string | null> {
  const client = await mqtt.connectAsync(url, { clean: true, reconnectPeriod: 0 });
  try {
    return await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 1500);
      client.on("message", (_t, payload) => {
        clearTimeout(timer);
        resolve(payload.toString());
      });
      client.subscribe("$SYS/broker/version");
    });
  } finally {
    await client.endAsync(true);
  }
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve();
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function packageVersion(name: string): string {
  try {
    return JSON.parse(fs.readFileSync(path.resolve("node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}
