import { afterAll, expect, it } from "vitest";
import { testDb } from "../support/db";
import { startWorkerProcess } from "../support/worker-process";
import {
  campaignFor,
  campaignState,
  deviceRows,
  devicesOnBroker,
  expectExactCounters,
  fleetOf,
  until,
  FW_VERSION,
} from "../support/rollout";

/**
 * The worker as a real process (worker/index.ts), killed with SIGKILL in the middle of
 * a campaign and started again: the campaign must still finish, with every device
 * updated once, none timed out, and only the devices of the interrupted dispatch
 * commanded twice.
 */
const handle = testDb();
afterAll(() => handle.close());

const startWorker = (tenantId: string) =>
  startWorkerProcess({
    OTA_WORKER_TENANTS: tenantId,
    // An explicit session name across the restart (the default, a leased slot, is tested in durable-ingest.test.ts).
    OTA_INGEST_SESSION: `test-${tenantId}`,
  });

it("finishes a campaign across a worker killed mid-dispatch and restarted", async () => {
  const f = await fleetOf(handle, "kill", 40);
  const fleet = await devicesOnBroker(f.tenantId);
  // Devices as the protocol says: update once per campaign; on a duplicate command,
  // re-send the latest report instead of starting again.
  const latest = new Map<string, Record<string, unknown>>();
  fleet.onCommand((c) => {
    const seen = latest.get(c.deviceId);
    if (seen) {
      void fleet.report(c.deviceId, seen);
      return;
    }
    const done = { campaign_id: c.campaignId, status: "SUCCESS", progress: 100, version: FW_VERSION };
    latest.set(c.deviceId, done);
    setTimeout(() => void fleet.report(c.deviceId, done), 30);
  });
  let worker = await startWorker(f.tenantId);
  try {
    const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 4, device_timeout_seconds: 60 });
    await until(async () => fleet.commands.length >= 12, "a third of the fleet commanded");
    worker.kill("SIGKILL");
    await new Promise((r) => worker.once("exit", r));
    const beforeRestart = fleet.commands.length;
    expect((await campaignState(handle, id)).status).toBe("RUNNING");
    worker = await startWorker(f.tenantId);
    await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED", 30_000).catch(
      async (e) => {
        console.log(
          "STATE",
          JSON.stringify(await campaignState(handle, id)),
          JSON.stringify((await deviceRows(handle, id)).filter((r) => r.status !== "SUCCESS")),
          JSON.stringify([...fleet.perDevice().entries()]),
        );
        throw e;
      },
    );
    const rows = await deviceRows(handle, id);
    expect(rows.every((r) => r.status === "SUCCESS")).toBe(true);
    expect(await expectExactCounters(handle, id)).toMatchObject({ succeeded: 40, failed: 0 });
    // Commanded twice: at most the one dispatch chunk (rollout_rate devices) cut off by the kill.
    const twice = [...fleet.perDevice().entries()].filter(([, n]) => n > 1);
    expect(twice.length).toBeLessThanOrEqual(4);
    expect(twice.every(([, n]) => n === 2)).toBe(true);
    expect(fleet.perDevice().size).toBe(40);
    expect(fleet.commands.length).toBeGreaterThan(beforeRestart);
  } finally {
    worker.kill("SIGTERM");
    await fleet.close();
  }
}, 60_000);
