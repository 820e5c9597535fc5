import os from "node:os";
import type postgres from "postgres";

export interface WorkerIdentity {
  workerId: string;
  startedAt: Date;
  tickIntervalMs: number;
}

/** Rewrites this worker's heartbeat row, and clears rows of workers silent for a day. */
export async function beat(
  sql: postgres.Sql,
  me: WorkerIdentity,
  brokerConnected: boolean,
  stats: Record<string, number>,
): Promise<void> {
  await sql`
    INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, beat_at, tick_interval_ms, broker_connected, stats)
    VALUES (${me.workerId}, ${os.hostname()}, ${process.pid}, ${me.startedAt.toISOString()}, now(), ${me.tickIntervalMs}, ${brokerConnected}, ${JSON.stringify(stats)}::jsonb)
    ON CONFLICT (worker_id) DO UPDATE SET
      beat_at = now(), broker_connected = excluded.broker_connected, stats = excluded.stats`;
  await sql`DELETE FROM worker_heartbeats WHERE beat_at < now() - interval '1 day'`;
}

/** A clean stop removes the row: /health then does not list a worker that is gone on purpose. */
export async function retire(sql: postgres.Sql, workerId: string): Promise<void> {
  await sql`DELETE FROM worker_heartbeats WHERE worker_id = ${workerId}`;
}

export interface WorkerHealth {
  worker_id: string;
  hostname: string;
  pid: number;
  started_at: string;
  beat_at: string;
  age_ms: number;
  alive: boolean;
  broker_connected: boolean;
  tick_interval_ms: number;
  stats: Record<string, number>;
}

/**
 * Every worker that beat within the last day, newest first. A worker is alive when it
 * beat within three of its ticks; the engine is "degraded" when none is.
 */
export async function workerHealth(sql: postgres.Sql): Promise<WorkerHealth[]> {
  const rows = await sql<
    {
      worker_id: string;
      hostname: string;
      pid: number;
      started_at: Date;
      beat_at: Date;
      age_ms: number;
      broker_connected: boolean;
      tick_interval_ms: number;
      stats: Record<string, number>;
    }[]
  >`
    SELECT worker_id, hostname, pid, started_at, beat_at, tick_interval_ms, broker_connected, stats,
           (extract(epoch FROM now() - beat_at) * 1000)::int AS age_ms
    FROM worker_heartbeats ORDER BY beat_at DESC LIMIT 100`;
  return rows.map((r) => ({
    worker_id: r.worker_id,
    hostname: r.hostname,
    pid: r.pid,
    started_at: new Date(r.started_at).toISOString(),
    beat_at: new Date(r.beat_at).toISOString(),
    age_ms: r.age_ms,
    alive: r.age_ms <= 3 * r.tick_interval_ms,
    broker_connected: r.broker_connected,
    tick_interval_ms: r.tick_interval_ms,
    stats: r.stats,
  }));
}
