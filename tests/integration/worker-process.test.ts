import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, expect, it } from "vitest";
import { testDb } from "../support/db";
import { campaignFor, campaignState, deviceRows, devicesOnBroker, expectExactCounters, fleetOf, until, FW_VERSION } from "../support/rollout";

/**
 * The worker as a real process (worker/index.ts), killed with SIGKILL in the middle of
 * a campaign and started again: the campaign must still finish, with every device
 * updated once, none timed out, and only the devices of the interrupted dispatch
 * commanded twice.
 */
const handle = testDb();
afterAll(() => handle.close());

function startWorkerProcess(tenantId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], {
    env: {
      ...process.env,
      OTA_TICK_INTERVAL_MS: "200",
      OTA_WORKER_TENANTS: tenantId,
      // The same session name across the restart: reports sent while it is down wait at the broker.
      OTA_INGEST_SESSION: `test-${tenantId}`,
      PUBLIC_URL: "http://127.0.0.1:9",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("ready: worker")) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`worker exited with ${code}:\n${out}`)));
  });
}

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
  let worker = await startWorkerProcess(f.tenantId);
  try {
    const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 4, device_timeout_seconds: 60 });
    await until(async () => fleet.commands.length >= 12, "a third of the fleet commanded");
    worker.kill("SIGKILL");
    await new Promise((r) => worker.once("exit", r));
    const beforeRestart = fleet.commands.length;
    expect((await campaignState(handle, id)).status).toBe("RUNNING");
    worker = await startWorkerProcess(f.tenantId);
    await until(async () => (await campaignState(handle, id)).status === "COMPLETED", "COMPLETED", 30_000).catch(async (e) => {
      console.log("STATE", JSON.stringify(await campaignState(handle, id)), JSON.stringify((await deviceRows(handle, id)).filter((r) => r.status !== "SUCCESS")), JSON.stringify([...fleet.perDevice().entries()]));
      throw e;
    });
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
