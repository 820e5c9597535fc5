/**
 * Dispatch: the rate per tick, max_in_flight, and the canary wave before the rest.
 * Against the real database and broker; each test has its own tenant and workers scoped
 * to it (tests/support/rollout.ts), so that tests running in parallel never meet.
 */
import { afterAll, describe, expect, it } from "vitest";
import { testDb } from "../support/db";
import {
  campaignFor,
  campaignState,
  devicesOnBroker,
  expectExactCounters,
  finishAndCheck,
  fleetOf,
  until,
  workerFor,
  FW_VERSION,
  TICK,
} from "../support/rollout";
import { sleep } from "../support/time";

const handle = testDb();
afterAll(() => handle.close());

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
      // The command is docs/device-protocol.md's payload, with size, for the campaign's firmware.
      expect(fleet.commands[0]!.payload).toEqual({
        campaign_id: id,
        firmware_url: "http://127.0.0.1:9/fw.bin",
        version: FW_VERSION,
        checksum: "cd".repeat(32),
        action: "update",
        size: 1234,
        // Its signed manifest: tests/integration/rollout-manifest.test.ts.
        manifest: expect.any(String),
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
