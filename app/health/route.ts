import { config } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { open } from "@/lib/http/handler";
import { workerHealth, type WorkerHealth } from "@/lib/rollout/heartbeat";

export const dynamic = "force-dynamic";

/**
 * Unauthenticated health: the database, the broker (as the live workers see it) and
 * the last heartbeat of each live worker (one that beat within three of its ticks; a
 * killed worker's row drops out after that). "down" (503) when the database is
 * unreachable; "degraded" (200) when no worker is live or none reaches the broker,
 * because then nothing rolls out and no report is recorded.
 */
export const GET = open(async () => {
  const started = performance.now();
  const handle = webDb();
  const database = await handle.sql`SELECT 1`
    .then(() => ({ status: "ok" as const, latency_ms: Math.round(performance.now() - started) }))
    .catch((err: Error) => ({ status: "down" as const, error: err.message }));
  let workers: WorkerHealth[] = [];
  if (database.status === "ok")
    workers = await workerHealth(handle.sql).catch((err: Error) => {
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
  return Response.json(
    { status, database, broker, workers, tick_interval_ms: config().OTA_TICK_INTERVAL_MS },
    { status: status === "down" ? 503 : 200 },
  );
});
