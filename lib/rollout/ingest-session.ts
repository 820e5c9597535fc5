import { createHash } from "node:crypto";
import postgres from "postgres";
import { ingestSessionLockKey } from "@/lib/db/locks";

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
  /** How many other running workers hold a session of the same subscription (a leased slot). */
  peers: () => Promise<number>;
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
  url: string,
  opts: { explicit?: string; filters: string[] },
): Promise<IngestSession> {
  const scope = createHash("sha256").update(opts.filters.join("\n")).digest("hex").slice(0, 8);
  const prefix = `flotilla-ingest-${scope}-`;
  const candidates = opts.explicit
    ? [`flotilla-ingest-${opts.explicit}`]
    : Array.from({ length: MAX_SLOTS }, (_, i) => `${prefix}${i}`);

  // A client of its own with one connection, outside the worker's pool: the lock lives as
  // long as this connection. After a database restart postgres.js opens a new one on the
  // next query, with a new backend pid, which is how `check` sees that the lock is gone.
  const conn = postgres(url, {
    max: 1,
    idle_timeout: 0,
    onnotice: () => {},
    connection: { application_name: "flotilla-ingest-lease" },
  });
  let pid = 0;
  let name: string | null = null;
  try {
    for (const candidate of candidates) {
      const [r] = await conn<{ ok: boolean; pid: number }[]>`
        SELECT pg_try_advisory_lock(${ingestSessionLockKey(conn, candidate)}) AS ok, pg_backend_pid() AS pid`;
      if (r?.ok) {
        name = candidate;
        pid = r.pid;
        break;
      }
    }
  } catch (err) {
    await conn.end({ timeout: 1 });
    throw err;
  }
  if (!name) {
    await conn.end({ timeout: 1 });
    throw new Error(
      opts.explicit
        ? `OTA_INGEST_SESSION=${opts.explicit} is in use by another running worker; give each worker its own`
        : `all ${MAX_SLOTS} ingest session slots are in use; set OTA_INGEST_SESSION per worker`,
    );
  }
  const clientId = name;
  let released = false;

  return {
    clientId,
    check: async () => {
      if (released) return false;
      try {
        const [r] = await conn<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        // The same backend still holds the lock (session locks end only with the session).
        if (r?.pid === pid) return true;
        // A new connection (the database restarted): take the lock again.
        const [again] = await conn<{ ok: boolean; pid: number }[]>`
          SELECT pg_try_advisory_lock(${ingestSessionLockKey(conn, clientId)}) AS ok, pg_backend_pid() AS pid`;
        // Not ours any more: remember that, so that the next check tries again.
        pid = again?.ok ? again.pid : 0;
        return Boolean(again?.ok);
      } catch {
        // The database is away: nobody else can take the lock meanwhile either.
        return true;
      }
    },
    peers: async () => {
      // The other slots of this subscription whose lock is held: a bigint advisory lock
      // shows in pg_locks as its high and low 32 bits (classid, objid) with objsubid 1.
      const [r] = await conn<{ n: number }[]>`
        SELECT count(*)::int AS n FROM generate_series(0, ${MAX_SLOTS - 1}) slot
        JOIN pg_locks l ON l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
          AND ((l.classid::bigint << 32) | l.objid::bigint) = ${ingestSessionLockKey(conn, conn`${prefix} || slot`)}
        WHERE ${prefix} || slot <> ${clientId}`;
      return r?.n ?? 0;
    },
    release: async () => {
      if (released) return;
      released = true;
      // Ending the connection ends its session, and the lock with it.
      await conn.end({ timeout: 1 }).catch(() => {});
    },
  };
}
