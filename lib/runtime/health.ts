import type postgres from "postgres";
import { config } from "@/lib/config";
import { workerHealth, type WorkerHealth } from "@/lib/rollout/heartbeat";

export type HealthStatus = "ok" | "degraded" | "down";

export interface HealthReport {
  status: HealthStatus;
  database: { status: "ok"; latency_ms: number } | { status: "down"; error: string };
  broker: { status: "ok" | "down" | "unknown" };
  workers: WorkerHealth[];
  tick_interval_ms: number;
}

/**
 * The product's health: the database, the broker (as the live workers see it) and the
 * last heartbeat of each live worker (one that beat within three of its ticks; a killed
 * worker's row drops out after that). "down" when the database is unreachable;
 * "degraded" when no worker is live or none reaches the broker, because then nothing
 * rolls out and no report is recorded. Reads only the heartbeats, no tenant's data.
 */
export async function healthReport(sql: postgres.Sql): Promise<HealthReport> {
  const started = performance.now();
  const database = await sql`SELECT 1`
    .then(() => ({ status: "ok" as const, latency_ms: Math.round(performance.now() - started) }))
    .catch((err: Error) => ({ status: "down" as const, error: err.message }));
  let workers: WorkerHealth[] = [];
  if (database.status === "ok")
    workers = await workerHealth(sql).catch((err: Error) => {
      console.error(`health: reading worker heartbeats failed: ${err.message}`);
      return [];
    });
  const broker =
    workers.length === 0
      ? { status: "unknown" as const }
      : workers.some((w) => w.broker_connected)
        ? { status: "ok" as const }
        : { status: "down" as const };
  const status = database.status !== "ok" ? "down" : workers.length === 0 || broker.status !== "ok" ? "degraded" : "ok";
  return { status, database, broker, workers, tick_interval_ms: config().OTA_TICK_INTERVAL_MS };
}
