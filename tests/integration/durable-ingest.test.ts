import { afterAll, describe, expect, it } from "vitest";
import { leaseIngestSession } from "@/lib/rollout/ingest-session";
import { expireSilentDevices } from "@/lib/rollout/lifecycle";
import { testDb } from "../support/db";
import {
  campaignFor,
  campaignState,
  devicesOnBroker,
  expectExactCounters,
  fleetOf,
  until,
  FW_VERSION,
} from "../support/rollout";
import { killAndWait, startWorkerProcess } from "../support/worker-process";
import { sleep } from "../support/time";

/**
 * Nothing a device says is lost: a report is acknowledged to the broker only once the
 * batch that wrote it has committed, and the worker's report subscription is a
 * persistent session, so a worker killed while reports wait for the database gets them
 * again when it is back.
 */
const handle = testDb();
afterAll(() => handle.close());

/**
 * Holds every device row of a campaign locked, as a stalled database would, until released.
 * `dropWaiters` ends the statements queued behind the lock: a killed worker's statement
 * already sent would otherwise still run and commit once the lock goes, hiding a loss.
 */
async function holdRows(campaignId: number) {
  const conn = await handle.sql.reserve();
  await conn`BEGIN`;
  await conn`SELECT id FROM ota_device_status WHERE campaign_id = ${campaignId} ORDER BY id FOR UPDATE`;
  const [me] = await conn<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  return {
    dropWaiters: () =>
      handle.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${me!.pid}::int = ANY(pg_blocking_pids(pid))`,
    release: async () => {
      await conn`ROLLBACK`;
      conn.release();
    },
  };
}

/** The counters of a worker process, from its heartbeat row. */
async function workerStats(pid: number | undefined) {
  const rows = await handle.sql<{ stats: Record<string, number> }[]>`
    SELECT stats FROM worker_heartbeats WHERE pid = ${pid ?? -1}`;
  return rows.map((r) => r.stats);
}

describe("a worker process", () => {
  it("loses none of 50 reports received while the database was stalled when it is killed, and applies them after a restart", async () => {
    const f = await fleetOf(handle, "durable-kill", 50);
    const fleet = await devicesOnBroker(f.tenantId);
    // The default session name (a leased slot), as a deployment without OTA_INGEST_SESSION has.
    const env = { OTA_WORKER_TENANTS: f.tenantId };
    let worker = await startWorkerProcess(env);
    try {
      // A timeout far beyond the test: recovery must come from the broker, not from probes.
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 50, device_timeout_seconds: 600 });
      await until(async () => fleet.commands.length === 50, "50 commands");
      await until(async () => (await campaignState(handle, id)).downloading === 50, "50 DOWNLOADING");
      const lock = await holdRows(id);
      let released = false;
      try {
        for (const d of f.deviceIds)
          await fleet.report(d, { campaign_id: id, status: "SUCCESS", progress: 100, version: FW_VERSION });
        // The broker acknowledged all 50 to the devices; the worker has them, unwritten.
        await until(
          async () => (await workerStats(worker.pid)).some((s) => (s.received ?? 0) >= 50 && s.applied === 0),
          "the worker to hold 50 reports",
        );
        await killAndWait(worker, "SIGKILL");
        await lock.dropWaiters();
        await lock.release();
        released = true;
      } finally {
        if (!released) await lock.release();
      }
      expect((await campaignState(handle, id)).succeeded).toBe(0);
      worker = await startWorkerProcess(env);
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED", 20_000);
      expect(await expectExactCounters(handle, id)).toMatchObject({ succeeded: 50, failed: 0 });
      const fw = await handle.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM devices WHERE tenant_id = ${f.tenantId} AND fw_version = ${FW_VERSION}`;
      expect(fw[0]!.n).toBe(50);
      // No probe and no second dispatch was needed.
      expect(fleet.commands.length).toBe(50);
    } finally {
      await killAndWait(worker, "SIGTERM");
      await fleet.close();
    }
  }, 60_000);

  it("on SIGTERM writes and acknowledges what it holds before it exits", async () => {
    const f = await fleetOf(handle, "durable-term", 30);
    const fleet = await devicesOnBroker(f.tenantId);
    const env = { OTA_WORKER_TENANTS: f.tenantId };
    let worker = await startWorkerProcess(env);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 30, device_timeout_seconds: 600 });
      await until(async () => (await campaignState(handle, id)).downloading === 30, "30 DOWNLOADING");
      const lock = await holdRows(id);
      for (const d of f.deviceIds)
        await fleet.report(d, { campaign_id: id, status: "SUCCESS", progress: 100, version: FW_VERSION });
      await until(
        async () => (await workerStats(worker.pid)).some((s) => (s.received ?? 0) >= 30 && s.applied === 0),
        "the worker to hold 30 reports",
      );
      const exited = killAndWait(worker, "SIGTERM");
      // A deploy's stop waits for the database (within its bound), then writes.
      await sleep(500);
      await lock.release();
      expect(await exited).toBe(0);
      expect(worker.output()).not.toMatch(/did not take the buffered reports/);
      expect(await expectExactCounters(handle, id)).toMatchObject({ succeeded: 30 });
      expect(worker.output()).toMatch(/SIGTERM: shutting down/);
      worker = await startWorkerProcess(env);
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED", 20_000);
      expect(fleet.commands.length).toBe(30);
    } finally {
      await killAndWait(worker, "SIGTERM");
      await fleet.close();
    }
  }, 60_000);
});

describe("ingest session names", () => {
  it("are leased: running workers get distinct slots, and a stopped worker's slot is taken again first", async () => {
    const filters = [`tenant/lease-${Date.now()}/device/+/ota/status`];
    const a = await leaseIngestSession(handle.url, { filters });
    const b = await leaseIngestSession(handle.url, { filters });
    try {
      expect(a.clientId).toMatch(/-0$/);
      expect(b.clientId).toMatch(/-1$/);
      expect(a.clientId.replace(/-0$/, "")).toBe(b.clientId.replace(/-1$/, ""));
      expect(await a.peers()).toBe(1);
      // Another subscription gets other names: a session keeps its subscriptions.
      const other = await leaseIngestSession(handle.url, { filters: ["tenant/+/device/+/ota/status"] });
      expect(other.clientId).not.toBe(a.clientId);
      await other.release();
      await a.release();
      const c = await leaseIngestSession(handle.url, { filters });
      expect(c.clientId).toBe(a.clientId);
      expect(await c.check()).toBe(true);
      await c.release();
    } finally {
      await b.release();
    }
  });

  it("refuse a second worker with the same explicit OTA_INGEST_SESSION", async () => {
    const name = `explicit-${Date.now()}`;
    const a = await leaseIngestSession(handle.url, { explicit: name, filters: ["x"] });
    try {
      expect(a.clientId).toBe(`flotilla-ingest-${name}`);
      await expect(leaseIngestSession(handle.url, { explicit: name, filters: ["x"] })).rejects.toThrow(
        /in use by another running worker/,
      );
    } finally {
      await a.release();
    }
  });
});

describe("the timeout sweep", () => {
  it("judges no silent device while an answer may still wait unwritten in a worker's intake", async () => {
    const f = await fleetOf(handle, "watermark", 1);
    const id = await campaignFor(handle, f.tenantId, f.fwId, { device_timeout_seconds: 1 });
    // Silent for 10 s, and asked again 5 s ago.
    await handle.sql`
      UPDATE ota_device_status SET status = 'DOWNLOADING', last_report_at = now() - interval '10 s',
        probed_at = now() - interval '5 s', probe_count = 1
      WHERE campaign_id = ${id}`;
    const sweep = (lagMs: number) =>
      expireSilentDevices(handle.sql, { tenants: [f.tenantId], graceMs: 1000, lagMs, workerId: "me" });
    // This worker holds a report 10 s old that it has not written (a database outage).
    expect(await sweep(10_000)).toBe(0);
    // Another live worker said in its last beat that it is 10 s behind.
    await handle.sql`
      INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, beat_at, tick_interval_ms, broker_connected, stats)
      VALUES ('peer-behind', 'test', 1, now(), now(), 1000, true, '{"backlog_ms": 10000}'::jsonb)`;
    try {
      expect(await sweep(0)).toBe(0);
    } finally {
      await handle.sql`DELETE FROM worker_heartbeats WHERE worker_id = 'peer-behind'`;
    }
    // Everyone caught up: the grace has passed with nothing received.
    expect(await sweep(0)).toBe(1);
    expect((await campaignState(handle, id)).failed).toBe(1);
  });
});
