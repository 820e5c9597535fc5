import os from "node:os";
import type postgres from "postgres";

export interface WorkerIdentity {
  workerId: string;
  startedAt: Date;
  tickIntervalMs: number;
}

/**
 * A worker is alive while it beat within this many of its own ticks. One rule for both
 * the read (`workerHealth`) and the clean-up (`beat`): a row past it is a dead worker's.
 */
export const ALIVE_TICKS = 3;

/**
 * Rewrites this worker's heartbeat row, and deletes the rows of workers silent for more
 * than three of their ticks (killed, not stopped: a clean stop deletes its own row). A
 * live worker whose beat was only late re-creates its row on its next beat.
 */
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
  await sql`DELETE FROM worker_heartbeats WHERE beat_at <= now() - tick_interval_ms * ${ALIVE_TICKS}::int * interval '1 millisecond'`;
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
  /** Always true since only live workers are listed; kept for the documented JSON shape. */
  alive: boolean;
  broker_connected: boolean;
  tick_interval_ms: number;
  stats: Record<string, number>;
}

/**
 * The live workers, newest beat first: those that beat within three of their ticks. A
 * killed worker leaves no word, so its row drops out of this list three ticks after its
 * last beat (and the next live worker's `beat` deletes it).
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
    FROM worker_heartbeats
    WHERE beat_at > now() - tick_interval_ms * ${ALIVE_TICKS}::int * interval '1 millisecond'
    ORDER BY beat_at DESC LIMIT 100`;
  return rows.map((r) => ({
    worker_id: r.worker_id,
    hostname: r.hostname,
    pid: r.pid,
    started_at: new Date(r.started_at).toISOString(),
    beat_at: new Date(r.beat_at).toISOString(),
    age_ms: r.age_ms,
    alive: true,
    broker_connected: r.broker_connected,
    tick_interval_ms: r.tick_interval_ms,
    stats: r.stats,
  }));
}
