import { afterAll, describe, expect, it } from "vitest";
import { GET as health } from "@/app/health/route";
import { freePort } from "@/lib/embedded/ports";
import { startEmbeddedBroker } from "@/lib/embedded/broker";
import { call } from "../support/api";
import { testDb } from "../support/db";
import {
  campaignFor,
  campaignState,
  deviceRows,
  devicesOnBroker,
  expectExactCounters,
  finishAndCheck,
  fleetOf,
  until,
  workerFor,
  FW_VERSION,
} from "../support/rollout";

/** Status ingestion and the engine's resilience: what devices send, and what brokers and workers do. */
const handle = testDb();
afterAll(() => handle.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("status reports", () => {
  it("only move a device forward: late, duplicate and out-of-order reports change nothing", async () => {
    const f = await fleetOf(handle, "order", 2);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 2, abort_threshold: 1 });
      await until(async () => fleet.commands.length === 2, "2 commands");
      const r = (device: string, body: Record<string, unknown>) => fleet.report(device, { campaign_id: id, ...body });
      // Progress never decreases within a state, whatever the arrival order.
      await r("dev-000", { status: "DOWNLOADING", progress: 60 });
      await r("dev-000", { status: "downloading", progress: 40 });
      await worker.drain();
      await until(async () => (await deviceRows(handle, id))[0]!.progress_pct === 60, "progress 60");
      await sleep(100);
      expect((await deviceRows(handle, id))[0]).toMatchObject({ status: "DOWNLOADING", progress_pct: 60 });
      // A terminal state never changes; late reports after it are dropped.
      await r("dev-000", { status: "Success", version: FW_VERSION });
      await r("dev-000", { status: "INSTALLING", progress: 50 });
      await r("dev-000", { status: "FAILED", error: "late" });
      await r("dev-000", { status: "SUCCESS", version: FW_VERSION });
      // dev-001 jumps straight to FAILED, then a stale DOWNLOADING arrives.
      await r("dev-001", { status: "FAILED", progress: 30, error: "flash write error" });
      await r("dev-001", { status: "DOWNLOADING", progress: 90 });
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED");
      await sleep(200);
      expect(
        (await deviceRows(handle, id)).map((d) => [d.device_id, d.status, d.progress_pct, d.error_message]),
      ).toEqual([
        ["dev-000", "SUCCESS", 100, null],
        ["dev-001", "FAILED", 30, "flash write error"],
      ]);
      expect(await expectExactCounters(handle, id)).toMatchObject({ succeeded: 1, failed: 1 });
      // Dropped as stale (a later statement) or merged away (the same batch): either way, changed nothing.
      expect(worker.stats().stale + worker.stats().merged).toBeGreaterThanOrEqual(4);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("records version drift: SUCCESS with another version than commanded is a failure", async () => {
    const f = await fleetOf(handle, "drift", 1);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { abort_threshold: 1 });
      await until(async () => fleet.commands.length === 1, "command");
      await fleet.report("dev-000", { campaign_id: id, status: "SUCCESS", version: "1.0.0" });
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED");
      expect((await deviceRows(handle, id))[0]).toMatchObject({
        status: "FAILED",
        error_message: `Version drift: device reports 1.0.0 after an update to ${FW_VERSION}`,
      });
      const [dev] = await handle.sql`SELECT fw_version FROM devices WHERE tenant_id = ${f.tenantId}`;
      expect(dev!.fw_version).toBe("1.0.0");
      await expectExactCounters(handle, id);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("drops malformed, unknown-device and cross-tenant messages with a count, touches no other tenant, and keeps running", async () => {
    const a = await fleetOf(handle, "drop-a", 2);
    const b = await fleetOf(handle, "drop-b", 2);
    const fa = await devicesOnBroker(a.tenantId);
    const fb = await devicesOnBroker(b.tenantId);
    const worker = await workerFor(handle, [a.tenantId, b.tenantId]);
    try {
      const ida = await campaignFor(handle, a.tenantId, a.fwId, { abort_threshold: 1 });
      const idb = await campaignFor(handle, b.tenantId, b.fwId, { abort_threshold: 1 });
      await until(async () => fa.commands.length === 2 && fb.commands.length === 2, "commands");
      const before = worker.stats();
      const garbage = [
        "not json",
        "",
        "[]",
        JSON.stringify({ campaign_id: ida, status: "DONE" }),
        JSON.stringify({ campaign_id: -1, status: "SUCCESS" }),
        JSON.stringify({ campaign_id: "x", status: "SUCCESS" }),
        JSON.stringify({ status: "SUCCESS" }),
        JSON.stringify({ campaign_id: ida, status: "SUCCESS", progress: "lots" }),
        JSON.stringify({ campaign_id: ida, status: "SUCCESS", error: "x".repeat(5000) }),
        "\u0000\u0001\u0002",
      ];
      for (const g of garbage) await fa.report("dev-000", g);
      // A device that is not in the campaign, and an unknown campaign.
      await fa.report("intruder", { campaign_id: ida, status: "SUCCESS" });
      await fa.report("dev-000", { campaign_id: 2_000_000_000, status: "SUCCESS" });
      // Tenant A's topic naming tenant B's campaign, and B's device ids: must not touch B's rows.
      await fa.report("dev-000", { campaign_id: idb, status: "SUCCESS", version: FW_VERSION });
      await fa.report("dev-001", { campaign_id: idb, status: "FAILED", error: "spoofed" });
      // Still running: a valid report afterwards is applied.
      await fa.report("dev-001", { campaign_id: ida, status: "SUCCESS", version: FW_VERSION });
      await until(async () => (await campaignState(handle, ida)).succeeded === 1, "the valid report");
      await worker.drain();
      const after = worker.stats();
      expect(after.dropped_bad_payload - before.dropped_bad_payload).toBe(garbage.length);
      expect(after.dropped_unknown - before.dropped_unknown).toBe(4);
      expect((await deviceRows(handle, idb)).map((d) => d.status)).toEqual(["DOWNLOADING", "DOWNLOADING"]);
      expect((await campaignState(handle, idb)).succeeded + (await campaignState(handle, idb)).failed).toBe(0);
      const bDevices = await handle.sql`SELECT fw_version, last_seen_at FROM devices WHERE tenant_id = ${b.tenantId}`;
      expect(bDevices.every((d) => d.fw_version === "1.0.0" && d.last_seen_at === null)).toBe(true);
      await expectExactCounters(handle, ida, { finished: false });
      await expectExactCounters(handle, idb, { finished: false });
      await finishAndCheck(handle, a.tenantId, ida, fa);
      await finishAndCheck(handle, b.tenantId, idb, fb);
    } finally {
      await worker.stop();
      await fa.close();
      await fb.close();
    }
  });
});

// aedes has no shared subscriptions; CI's first run (Mosquitto) exercises this.
describe.runIf(process.env.FLOTILLA_TEST_BROKER === "external")("shared subscriptions", () => {
  it("split the reports between workers, each applied once", async () => {
    const f = await fleetOf(handle, "shared", 20);
    const fleet = await devicesOnBroker(f.tenantId);
    const workers = await Promise.all([
      workerFor(handle, [f.tenantId], { sharedSubscription: true }),
      workerFor(handle, [f.tenantId], { sharedSubscription: true }),
    ]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 20, abort_threshold: 1 });
      await until(async () => fleet.commands.length === 20, "20 commands");
      for (const d of f.deviceIds) await fleet.report(d, { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED");
      const [a, b] = workers.map((w) => w.stats().received);
      expect(a! + b!).toBe(20);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      await expectExactCounters(handle, id);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await fleet.close();
    }
  });
});

describe("resilience", () => {
  it("slows its intake instead of growing when the database falls behind, and loses nothing", async () => {
    const f = await fleetOf(handle, "flood", 20);
    const fleet = await devicesOnBroker(f.tenantId);
    // Small batches and a small buffer, so that a modest flood outruns the database.
    const worker = await workerFor(handle, [f.tenantId], { intake: { maxBatch: 25, highWater: 100 } });
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 20, abort_threshold: 1 });
      await until(async () => fleet.commands.length === 20, "20 commands");
      const sends: Promise<unknown>[] = [];
      // 800 reports: under Mosquitto's default max_queued_messages (1000), which would
      // otherwise drop QoS 1 messages for a subscriber that holds back (see the README on Mosquitto).
      for (let p = 61; p <= 100; p++) {
        for (const d of f.deviceIds)
          sends.push(fleet.report(d, { campaign_id: id, status: "DOWNLOADING", progress: p }));
      }
      await Promise.all(sends);
      await until(async () => worker.stats().received === 800, "800 reports received", 20_000);
      await worker.drain();
      const s = worker.stats();
      expect(s.paused).toBeGreaterThan(0);
      expect(s.max_buffered).toBeLessThanOrEqual(100);
      expect(s.applied + s.stale + s.merged).toBe(800);
      expect((await deviceRows(handle, id)).every((d) => d.status === "DOWNLOADING" && d.progress_pct === 100)).toBe(
        true,
      );
      await finishAndCheck(handle, f.tenantId, id, fleet);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("leaves a device PENDING for the next tick when the broker refuses its command, never FAILED", async () => {
    const f = await fleetOf(handle, "refuse", 3);
    // A broker of its own that refuses the first two commands to dev-001.
    let refusals = 0;
    const broker = await startEmbeddedBroker({
      port: await freePort(),
      authorizePublish: (topic) =>
        topic.endsWith("/dev-001/ota") && refusals++ < 2 ? new Error("not authorized") : null,
    });
    const prev = process.env.MQTT_URL;
    process.env.MQTT_URL = broker.url;
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId], { publishTimeoutMs: 300 });
    process.env.MQTT_URL = prev;
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 3, abort_threshold: 0 });
      await until(async () => (await campaignState(handle, id)).downloading === 3, "all 3 commanded", 15_000);
      expect(refusals).toBeGreaterThanOrEqual(2);
      expect(worker.stats().publish_failures).toBeGreaterThanOrEqual(1);
      const rows = await deviceRows(handle, id);
      expect(rows.map((r) => r.status)).toEqual(["DOWNLOADING", "DOWNLOADING", "DOWNLOADING"]);
      expect(rows.every((r) => r.dispatch_count === 1)).toBe(true);
      const c = await expectExactCounters(handle, id, { finished: false });
      expect(c).toMatchObject({ status: "RUNNING", failed: 0 });
      await finishAndCheck(handle, f.tenantId, id, fleet);
    } finally {
      await worker.stop();
      await fleet.close();
      await broker.close();
    }
  });
});

describe("GET /health", () => {
  it("lists each live worker's heartbeat, and not a worker that stopped beating", async () => {
    const worker = await workerFor(handle, ["health-none"]);
    try {
      const res = await call(health);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ database: { status: "ok" }, broker: { status: "ok" } });
      expect(["ok", "degraded"]).toContain(res.body.status);
      const mine = res.body.workers.find((w: { worker_id: string }) => w.worker_id === worker.workerId);
      expect(mine).toMatchObject({ alive: true, broker_connected: true, tick_interval_ms: 250 });
      // A worker that died without a word: its last beat is older than three ticks, so it is not listed.
      await handle.sql`
        INSERT INTO worker_heartbeats (worker_id, hostname, pid, started_at, beat_at, tick_interval_ms, broker_connected)
        VALUES ('dead-worker', 'h', 1, now() - interval '1 hour', now() - interval '10 minutes', 10000, true)`;
      const again = await call(health);
      expect(again.body.workers.find((w: { worker_id: string }) => w.worker_id === "dead-worker")).toBeUndefined();
    } finally {
      await worker.stop();
      await handle.sql`DELETE FROM worker_heartbeats WHERE worker_id = 'dead-worker'`;
    }
    // A clean stop removes its row.
    const after = await call(health);
    expect(after.body.workers.find((w: { worker_id: string }) => w.worker_id === worker.workerId)).toBeUndefined();
  });
});
