import { createHash } from "node:crypto";
import type postgres from "postgres";

/** Slots tried when a worker picks its own session name: more workers than this need OTA_INGEST_SESSION. */
const MAX_SLOTS = 256;

export interface IngestSession {
  /** The MQTT client id of the persistent report session. */
  clientId: string;
  /**
   * Whether this worker still holds the name. After a database restart the lock is taken
   * again on a new connection; false when another worker took the name meanwhile.
   */
  check: () => Promise<boolean>;
  release: () => Promise<void>;
}

/**
 * The name of this worker's persistent report session, held for as long as it runs.
 *
 * The broker keeps one queue per session name: reports sent while a worker is away wait
 * there for the next worker with that name. So the name must be stable across restarts
 * (a worker restarted after a crash must find its queue again) and unique among running
 * workers (two clients with one name disconnect each other in a loop). Neither a random
 * id nor the hostname gives both. A PostgreSQL session advisory lock does: a starting
 * worker takes the lowest free slot (`…-0`, then `…-1`, …), holds the lock on a reserved
 * connection, and loses it the moment its process dies, so a restarted worker takes the
 * same slot back at once. The name also carries a hash of the subscription (tenants,
 * shared or not), because a session keeps its old subscriptions: a worker sharded to other
 * tenants must not inherit them.
 *
 * `explicit` (OTA_INGEST_SESSION) names the session directly; it is locked too, so that a
 * second worker given the same name stops with an error instead of fighting the first.
 */
export async function leaseIngestSession(
  sql: postgres.Sql,
  opts: { explicit?: string; filters: string[] },
): Promise<IngestSession> {
  const scope = createHash("sha256").update(opts.filters.join("\n")).digest("hex").slice(0, 8);
  const candidates = opts.explicit
    ? [`flotilla-ingest-${opts.explicit}`]
    : Array.from({ length: MAX_SLOTS }, (_, i) => `flotilla-ingest-${scope}-${i}`);

  let conn = await sql.reserve();
  let pid = 0;
  let name: string | null = null;
  try {
    for (const candidate of candidates) {
      const [r] = await conn<{ ok: boolean; pid: number }[]>`
        SELECT pg_try_advisory_lock(hashtextextended(${candidate}, 0)) AS ok, pg_backend_pid() AS pid`;
      if (r?.ok) {
        name = candidate;
        pid = r.pid;
        break;
      }
    }
  } catch (err) {
    conn.release();
    throw err;
  }
  if (!name) {
    conn.release();
    throw new Error(
      opts.explicit
        ? `OTA_INGEST_SESSION=${opts.explicit} is in use by another running worker; give each worker its own`
        : `all ${MAX_SLOTS} ingest session slots are in use; set OTA_INGEST_SESSION per worker`,
    );
  }
  const clientId = name;

  return {
    clientId,
    check: async () => {
      try {
        const [r] = await conn<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        // The same backend still holds the lock (session locks end only with the session).
        if (r?.pid === pid) return true;
      } catch {
        // The connection is gone (a database restart): take the lock again on a new one.
      }
      try {
        conn.release();
      } catch {
        // already released with its dead connection
      }
      conn = await sql.reserve();
      const [r] = await conn<{ ok: boolean; pid: number }[]>`
        SELECT pg_try_advisory_lock(hashtextextended(${clientId}, 0)) AS ok, pg_backend_pid() AS pid`;
      // Not ours any more: remember that, so that the next check tries again.
      pid = r?.ok ? r.pid : 0;
      return Boolean(r?.ok);
    },
    release: async () => {
      try {
        await conn`SELECT pg_advisory_unlock(hashtextextended(${clientId}, 0))`;
      } catch {
        // the connection is gone, and its lock with it
      }
      conn.release();
    },
  };
}
