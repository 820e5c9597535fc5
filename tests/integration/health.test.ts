import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { GET as health } from "@/app/health/route";
import { beat, retire } from "@/lib/rollout/heartbeat";
import { call } from "../support/api";
import { testDb } from "../support/db";

/**
 * `/health` lists a worker only while it beats: a worker killed without a word drops
 * out three of its ticks after its last beat, and the next live worker's beat deletes
 * its row. Rows here have ids of their own: other test files run workers at the same time.
 */
const handle = testDb();
afterAll(() => handle.close());

const id = (label: string) => `health-${label}-${randomBytes(4).toString("hex")}`;

/** A heartbeat row as a worker that last beat `agoMs` ago, ticking every `tickMs`, would have left. */
async function insertBeat(workerId: string, agoMs: number, tickMs: number) {
  await handle.sql`
    INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, beat_at, tick_interval_ms, broker_connected, stats)
    VALUES (${workerId}, 'test-host', 4242, now() - interval '1 hour', now() - ${agoMs}::int * interval '1 millisecond',
            ${tickMs}, true, '{"received": 7}'::jsonb)`;
}

type Listed = { worker_id: string };
const listed = async (): Promise<Listed[]> => {
  const res = await call(health);
  expect(res.status).toBe(200);
  return res.body.workers;
};

describe("GET /health", () => {
  it("lists a worker that beat within three of its ticks, and not one silent for longer", async () => {
    const fresh = id("fresh");
    const slow = id("slow"); // 2.5 of its (long) ticks ago: still alive.
    const dead = id("dead"); // 4 ticks ago: killed.
    const longDead = id("long-dead"); // 10 minutes ago, as the old view still listed.
    try {
      await insertBeat(fresh, 0, 10_000);
      await insertBeat(slow, 25_000, 10_000);
      await insertBeat(dead, 4_000, 1_000);
      await insertBeat(longDead, 600_000, 10_000);
      const workers = await listed();
      const ids = workers.map((w) => w.worker_id);
      expect(ids).toContain(fresh);
      expect(ids).toContain(slow);
      expect(ids).not.toContain(dead);
      expect(ids).not.toContain(longDead);
      // The documented shape is unchanged.
      expect(workers.find((w) => w.worker_id === fresh)).toMatchObject({
        worker_id: fresh,
        hostname: "test-host",
        pid: 4242,
        started_at: expect.any(String),
        beat_at: expect.any(String),
        age_ms: expect.any(Number),
        alive: true,
        broker_connected: true,
        tick_interval_ms: 10_000,
        stats: { received: 7 },
      });
    } finally {
      await handle.sql`DELETE FROM worker_heartbeats WHERE worker_id IN (${fresh}, ${slow}, ${dead}, ${longDead})`;
    }
  });
});

describe("beat", () => {
  it("deletes the rows of workers silent for three of their ticks, keeps live ones, and re-creates its own", async () => {
    const me = { workerId: id("me"), startedAt: new Date(), tickIntervalMs: 1_000 };
    const dead = id("dead");
    const alive = id("alive");
    try {
      await insertBeat(dead, 3_500, 1_000);
      await insertBeat(alive, 2_000, 1_000);
      await beat(handle.sql, me, true, { received: 1 });
      const rows = await handle.sql<{ worker_id: string }[]>`
        SELECT worker_id FROM worker_heartbeats WHERE worker_id IN (${me.workerId}, ${dead}, ${alive})`;
      expect(rows.map((r) => r.worker_id).sort()).toEqual([alive, me.workerId].sort());

      // A live worker whose beat was late enough to be cleaned up by another comes back on its next beat.
      await handle.sql`DELETE FROM worker_heartbeats WHERE worker_id = ${me.workerId}`;
      await beat(handle.sql, me, false, { received: 2 });
      const mine = (await listed()).find((w) => w.worker_id === me.workerId);
      expect(mine).toMatchObject({
        alive: true,
        broker_connected: false,
        tick_interval_ms: 1_000,
        stats: { received: 2 },
      });
    } finally {
      await retire(handle.sql, me.workerId);
      await handle.sql`DELETE FROM worker_heartbeats WHERE worker_id IN (${dead}, ${alive})`;
    }
  });
});
