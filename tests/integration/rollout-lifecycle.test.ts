/**
 * A campaign's end: completion, an abort on the failure threshold, and an operator's abort
 * racing the ticks and the reports.
 * Against the real database and broker; each test has its own tenant and workers scoped
 * to it (tests/support/rollout.ts), so that tests running in parallel never meet.
 */
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
  fleetOf,
  until,
  workerFor,
  FW_VERSION,
  TICK,
} from "../support/rollout";
import { sleep } from "../support/time";

const handle = testDb();
afterAll(() => handle.close());

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
