import path from "node:path";
import type postgres from "postgres";
import { memoryOf, spawnTsx, type BenchChild } from "./children";

/** The dispatch phase's tick: short, so that dispatch is not measured waiting for the next tick. */
export const TICK_MS = 100;

export interface WorkerUnderTest {
  child: BenchChild;
  /** Peak RSS (MiB) seen by the sampler in each phase, and the process's own peak (VmHWM). */
  memory: () => { byPhase: Record<string, number>; hwmMiB: number | null };
  setPhase: (phase: string) => void;
  /** The worker's counters, as it writes them into its heartbeat row each tick. */
  stats: () => Promise<{ beatMs: number; stats: Record<string, number> } | null>;
  stop: () => Promise<void>;
}

/**
 * The real worker (`node --import tsx worker/index.ts`, what `npm run start:worker` runs)
 * as a child process, scoped to the bench tenant, with the given tick.
 * Its memory is read from /proc; its counts from its heartbeat row and the database.
 */
export async function startWorkerUnderTest(opts: {
  sql: postgres.Sql;
  databaseUrl: string;
  mqttUrl: string;
  authSecret: string;
  tenantId: string;
  tmpDir: string;
  tickMs: number;
  /** The sampler's first phase name. */
  phase: string;
}): Promise<WorkerUnderTest> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    MQTT_URL: opts.mqttUrl,
    AUTH_SECRET: opts.authSecret,
    OTA_TICK_INTERVAL_MS: String(opts.tickMs),
    OTA_WORKER_TENANTS: opts.tenantId,
    PUBLIC_URL: "http://127.0.0.1:9",
  };
  for (const k of [
    "MQTT_SHARED_SUBSCRIPTION",
    "OTA_INGEST_SESSION",
    "MQTT_USERNAME",
    "MQTT_PASSWORD",
    "DB_POOL_SIZE",
    "OTA_PUBLISH_TIMEOUT_MS",
  ])
    delete env[k];
  const child = spawnTsx("worker", "worker/index.ts", env, { logFile: path.join(opts.tmpDir, "worker.log") });
  await child.waitForLine(/ready: worker/, 60_000);

  let phase = opts.phase;
  const byPhase: Record<string, number> = {};
  let hwm: number | null = null;
  const sample = () => {
    const m = memoryOf(child.pid);
    if (!m) return;
    byPhase[phase] = Math.max(byPhase[phase] ?? 0, m.rssMiB);
    hwm = m.hwmMiB;
  };
  sample();
  const timer = setInterval(sample, 100);

  return {
    child,
    setPhase: (p) => {
      sample();
      phase = p;
    },
    memory: () => {
      sample();
      return { byPhase: { ...byPhase }, hwmMiB: hwm };
    },
    stats: async () => {
      const [row] = await opts.sql<{ beat_ms: number; stats: Record<string, number> }[]>`
        SELECT (extract(epoch FROM beat_at) * 1000)::float8 AS beat_ms, stats FROM worker_heartbeats WHERE pid = ${child.pid}
        ORDER BY beat_at DESC LIMIT 1`;
      return row ? { beatMs: row.beat_ms, stats: row.stats } : null;
    },
    stop: async () => {
      clearInterval(timer);
      await child.stop(15_000);
    },
  };
}
