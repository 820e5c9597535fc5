/**
 * Device timeouts: a silent device is asked again before it is timed out, and the silent
 * devices of an aborted campaign time out without being sent anything.
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
} from "../support/rollout";
import { sleep } from "../support/time";

const handle = testDb();
afterAll(() => handle.close());

describe("lifecycle: device timeouts", () => {
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
});
