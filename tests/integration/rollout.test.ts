import { afterAll, describe, expect, it } from "vitest";
import { withTenant } from "@/lib/db/tenant";
import { transitionCampaign } from "@/lib/ota/campaigns";
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

/**
 * The rollout engine against the real database and broker: dispatch, canary, abort,
 * completion and timeouts. Each test has its own tenant, and its workers are scoped
 * to it, so that tests running in parallel never see each other's campaigns.
 */
const handle = testDb();
afterAll(() => handle.close());

const TICK = 250;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("dispatch", () => {
  it("holds rollout_rate per tick with two workers, and commands no device twice", async () => {
    const f = await fleetOf(handle, "rate", 40);
    const fleet = await devicesOnBroker(f.tenantId);
    const workers = await Promise.all([workerFor(handle, [f.tenantId]), workerFor(handle, [f.tenantId])]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 3, abort_min_devices: 40 });
      const started = Date.now();
      await sleep(TICK * 8);
      const elapsedTicks = (Date.now() - started) / TICK;
      await Promise.all(workers.map((w) => w.stop()));
      const perSlot = await handle.sql<{ slot: string; n: number }[]>`
        SELECT floor(extract(epoch FROM dispatched_at) * 1000 / ${TICK})::bigint AS slot, count(*)::int AS n
        FROM ota_device_status WHERE campaign_id = ${id} AND dispatched_at IS NOT NULL GROUP BY 1`;
      // Never more than the rate in one tick slot, however many workers...
      expect(Math.max(...perSlot.map((s) => s.n))).toBe(3);
      // ...and not much less either: both workers together dispatch about rate × ticks, not twice that.
      const total = perSlot.reduce((a, s) => a + s.n, 0);
      expect(total).toBeGreaterThanOrEqual(3 * Math.floor(elapsedTicks - 2));
      expect(total).toBeLessThanOrEqual(3 * Math.ceil(elapsedTicks + 1));
      await until(async () => fleet.commands.length === total, "every command to arrive", 3000);
      expect([...fleet.perDevice().values()].every((n) => n === 1)).toBe(true);
      const c = await expectExactCounters(handle, id, { finished: false });
      expect(c.downloading).toBe(total);
      // A worker again, to record the devices' final reports.
      workers.push(await workerFor(handle, [f.tenantId]));
      await finishAndCheck(handle, f.tenantId, id, fleet);
      // The command is the seed's payload plus size, for the campaign's firmware.
      expect(fleet.commands[0]!.payload).toEqual({
        campaign_id: id,
        firmware_url: "http://127.0.0.1:9/fw.bin",
        version: FW_VERSION,
        checksum: "cd".repeat(32),
        action: "update",
        size: 1234,
      });
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await fleet.close();
    }
  });

  it("keeps at most max_in_flight devices DOWNLOADING or INSTALLING", async () => {
    const f = await fleetOf(handle, "inflight", 12);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 10, max_in_flight: 4 });
      await until(async () => (await campaignState(handle, id)).downloading === 4, "4 in flight");
      await sleep(TICK * 3);
      expect((await campaignState(handle, id)).downloading).toBe(4);
      // Two finish: two more go out, and no more.
      const [a, b] = fleet.commands;
      await fleet.report(a!.deviceId, { campaign_id: id, status: "SUCCESS", progress: 100 });
      await fleet.report(b!.deviceId, { campaign_id: id, status: "installing", progress: 10 });
      await fleet.report(b!.deviceId, { campaign_id: id, status: "FAILED", error: "flash write error" });
      await until(async () => fleet.commands.length === 6, "two more commands");
      await sleep(TICK * 3);
      expect(fleet.commands.length).toBe(6);
      await expectExactCounters(handle, id, { finished: false });
      await finishAndCheck(handle, f.tenantId, id, fleet);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });
});

describe("lifecycle", () => {
  it("completes once every device has finished, and records the new version on each device", async () => {
    const f = await fleetOf(handle, "complete", 6);
    const fleet = await devicesOnBroker(f.tenantId);
    fleet.onCommand((c) => {
      void fleet.report(c.deviceId, { campaign_id: c.campaignId, status: "DOWNLOADING", progress: 50 });
      void fleet.report(c.deviceId, { campaign_id: c.campaignId, status: "INSTALLING", progress: 0 });
      void fleet.report(c.deviceId, {
        campaign_id: c.campaignId,
        status: "SUCCESS",
        progress: 100,
        version: FW_VERSION,
      });
    });
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 4 });
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED");
      const c = await expectExactCounters(handle, id);
      expect(c).toMatchObject({ succeeded: 6, failed: 0 });
      const devs = await handle.sql`SELECT fw_version, last_seen_at FROM devices WHERE tenant_id = ${f.tenantId}`;
      expect(devs.every((d) => d.fw_version === FW_VERSION && d.last_seen_at !== null)).toBe(true);
      expect((await deviceRows(handle, id)).every((d) => d.progress_pct === 100 && d.dispatch_count === 1)).toBe(true);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("aborts on the failure threshold only once the minimum sample has finished", async () => {
    const f = await fleetOf(handle, "minsample", 30);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      // max_in_flight keeps part of the fleet PENDING while the sample builds up.
      const id = await campaignFor(handle, f.tenantId, f.fwId, {
        rollout_rate: 12,
        max_in_flight: 12,
        abort_threshold: 0.2,
        abort_min_devices: 10,
      });
      await until(async () => fleet.commands.length === 12, "12 commands");
      const sent = fleet.commands.map((c) => c.deviceId);
      // Three early failures: 100% failed, but only 3 of the 10-device sample.
      for (const d of sent.slice(0, 3)) await fleet.report(d, { campaign_id: id, status: "FAILED", error: "boom" });
      for (const d of sent.slice(3, 9))
        await fleet.report(d, { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      await until(async () => (await campaignState(handle, id)).succeeded === 6, "9 finished");
      await sleep(TICK * 3);
      expect((await campaignState(handle, id)).status).toBe("RUNNING");
      // The tenth: 3 of 10 = 30% > 20%.
      await fleet.report(sent[9]!, { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      const c = await until(async () => {
        const s = await campaignState(handle, id);
        return s.status === "ABORTED" ? s : null;
      }, "ABORTED");
      expect(c.abort_reason).toBe(
        "Failure threshold exceeded: 3 of 10 finished devices failed (30.0% > 20.0% threshold, minimum sample 10)",
      );
      await sleep(100);
      const commanded = fleet.commands.map((cmd) => cmd.deviceId);
      expect(c.skipped).toBe(30 - commanded.length);
      expect(c.skipped).toBeGreaterThan(0);
      // Devices still in flight finish after the abort, and are recorded truthfully.
      for (const d of commanded.slice(10))
        await fleet.report(d, { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      await until(async () => (await campaignState(handle, id)).downloading === 0, "in-flight devices to finish");
      await sleep(TICK * 2);
      expect(fleet.commands.length).toBe(commanded.length);
      expect(await expectExactCounters(handle, id)).toMatchObject({
        status: "ABORTED",
        failed: 3,
        succeeded: commanded.length - 3,
      });
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("asks a silent device again before timing it out, and fails only the devices that still say nothing", async () => {
    const f = await fleetOf(handle, "timeout", 4);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId], { probeGraceMs: 600 });
    let alive = true;
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, {
        rollout_rate: 4,
        device_timeout_seconds: 1,
        abort_threshold: 1,
      });
      // dev-003 updated, but its SUCCESS was lost on the way (it is never published the first
      // time); as the protocol asks, it answers the repeated command with its latest report.
      fleet.onCommand((c) => {
        if (c.deviceId === "dev-003" && fleet.perDevice().get("dev-003") === 2) {
          void fleet.report("dev-003", { campaign_id: id, status: "SUCCESS", progress: 100, version: FW_VERSION });
        }
      });
      await until(async () => fleet.commands.length >= 4, "4 commands");
      // dev-000 keeps reporting; dev-001 never does; dev-002 reports once, then goes silent.
      void (async () => {
        for (let p = 10; alive && p <= 90; p += 10) {
          await fleet.report("dev-000", { campaign_id: id, status: "DOWNLOADING", progress: p });
          await sleep(300);
        }
      })();
      await fleet.report("dev-002", { campaign_id: id, status: "DOWNLOADING", progress: 5 });
      await until(async () => (await campaignState(handle, id)).failed === 2, "two timeouts", 8000);
      const rows = await handle.sql<
        { device_id: string; status: string; error_message: string | null; probe_count: number }[]
      >`
        SELECT device_id, status, error_message, probe_count FROM ota_device_status WHERE campaign_id = ${id} ORDER BY device_id`;
      const timedOut = "Timed out: no report for 1 s, nor within 0.6 s of the command being sent again";
      expect(rows.map((r) => [r.device_id, r.status, r.error_message, r.probe_count])).toEqual([
        ["dev-000", "DOWNLOADING", null, 0],
        ["dev-001", "FAILED", timedOut, 1],
        ["dev-002", "FAILED", timedOut, 1],
        ["dev-003", "SUCCESS", null, 1],
      ]);
      // Each silent device got its command exactly twice: the dispatch and one probe.
      const per = fleet.perDevice();
      expect([per.get("dev-000"), per.get("dev-001"), per.get("dev-002"), per.get("dev-003")]).toEqual([1, 2, 2, 2]);
      alive = false;
      await fleet.report("dev-000", { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED");
      expect(await expectExactCounters(handle, id)).toMatchObject({ succeeded: 2, failed: 2 });
    } finally {
      alive = false;
      await worker.stop();
      await fleet.close();
    }
  });

  it("times out silent devices of an aborted campaign without sending them anything", async () => {
    const f = await fleetOf(handle, "timeout-aborted", 2);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId], { probeGraceMs: 600 });
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, {
        rollout_rate: 2,
        device_timeout_seconds: 1,
        abort_threshold: 1,
      });
      await until(async () => fleet.commands.length === 2, "2 commands");
      await withTenant(handle.db, f.tenantId, (tx) => transitionCampaign(tx, f.tenantId, id, "abort", "test"));
      await until(async () => (await campaignState(handle, id)).failed === 2, "two timeouts", 6000);
      expect(fleet.commands.length).toBe(2);
      expect((await deviceRows(handle, id)).map((r) => r.error_message)).toEqual([
        "Timed out: no report for 1 s",
        "Timed out: no report for 1 s",
      ]);
      await expectExactCounters(handle, id);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("dispatches nothing after an operator's abort, and keeps the counters exact through ticks, reports and the abort at once", async () => {
    const f = await fleetOf(handle, "abort-race", 200);
    const fleet = await devicesOnBroker(f.tenantId);
    let n = 0;
    fleet.onCommand((c) => {
      const status = n++ % 5 === 0 ? "FAILED" : "SUCCESS";
      setTimeout(
        () => void fleet.report(c.deviceId, { campaign_id: c.campaignId, status, version: FW_VERSION, error: "x" }),
        5 + (n % 30),
      );
    });
    const workers = await Promise.all([workerFor(handle, [f.tenantId]), workerFor(handle, [f.tenantId])]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 40, abort_threshold: 1 });
      await until(async () => fleet.commands.length >= 60, "some progress");
      await withTenant(handle.db, f.tenantId, (tx) => transitionCampaign(tx, f.tenantId, id, "abort", "op@test"));
      const committedAt = Date.now();
      await sleep(TICK * 4);
      // Commands in flight at the commit may still be arriving for a few ms; none later.
      expect(fleet.commands.filter((c) => c.at > committedAt + 100)).toEqual([]);
      await until(async () => {
        const s = await campaignState(handle, id);
        return s.downloading + s.installing === 0;
      }, "in-flight devices to finish");
      const c = await expectExactCounters(handle, id);
      expect(c.status).toBe("ABORTED");
      expect(c.abort_reason).toBe("Aborted by operator op@test");
      expect(c.skipped).toBe(200 - fleet.commands.length);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
      await fleet.close();
    }
  });
});

describe("canary", () => {
  it("dispatches only the canary wave until it has finished, then rolls out the rest", async () => {
    const f = await fleetOf(handle, "canary-pass", 20);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, {
        rollout_strategy: "canary",
        canary_percent: 10,
        rollout_rate: 10,
      });
      await until(async () => fleet.commands.length === 2, "the canary wave");
      expect(fleet.commands.map((c) => c.deviceId).sort()).toEqual(["dev-000", "dev-001"]);
      await sleep(TICK * 3);
      expect(fleet.commands.length).toBe(2);
      expect((await campaignState(handle, id)).phase).toBe("canary");
      fleet.onCommand(
        (c) => void fleet.report(c.deviceId, { campaign_id: c.campaignId, status: "SUCCESS", version: FW_VERSION }),
      );
      for (const c of fleet.commands)
        await fleet.report(c.deviceId, { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED");
      expect(await expectExactCounters(handle, id)).toMatchObject({ phase: "rollout", succeeded: 20 });
      expect(fleet.commands.length).toBe(20);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("aborts when the canary's failure rate exceeds the threshold, with no minimum sample", async () => {
    const f = await fleetOf(handle, "canary-fail", 20);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, {
        rollout_strategy: "canary",
        canary_percent: 10,
        rollout_rate: 10,
        abort_min_devices: 10,
      });
      await until(async () => fleet.commands.length === 2, "the canary wave");
      await fleet.report("dev-000", { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
      await fleet.report("dev-001", { campaign_id: id, status: "FAILED", error: "bootloop" });
      const c = await until(async () => {
        const s = await campaignState(handle, id);
        return s.status === "ABORTED" ? s : null;
      }, "ABORTED");
      expect(c.abort_reason).toBe("Canary failed: 1 of 2 canary devices failed (50.0% > 10.0% threshold)");
      await sleep(TICK * 2);
      expect(fleet.commands.length).toBe(2);
      expect(await expectExactCounters(handle, id)).toMatchObject({
        phase: "canary",
        succeeded: 1,
        failed: 1,
        skipped: 18,
      });
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });
});
