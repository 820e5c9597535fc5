import { afterAll, beforeAll, expect, it } from "vitest";
import { withTenant } from "@/lib/db/tenant";
import { transitionCampaign } from "@/lib/ota/campaigns";
import { startFleet } from "@/lib/simulator/fleet";
import { issueSimulatorCredentials, readTenantJwks } from "@/lib/simulator/provision";
import { testDb } from "../support/db";
import { createTestFirmware, startDownloadServer, type DownloadServer } from "../support/download-server";
import {
  campaignFor,
  campaignState,
  deviceRows,
  expectExactCounters,
  fleetOf,
  until,
  workerFor,
} from "../support/rollout";

/**
 * End to end below the UI: the worker, the device simulator downloading a stored
 * firmware over HTTP through signed links, and the database, on the real broker. The
 * devices are provisioned as at registration: their own credentials and their tenant's
 * JWKS, so that every command they act on carried a manifest they verified.
 */
const handle = testDb();
let server: DownloadServer;
beforeAll(async () => {
  server = await startDownloadServer(handle.db);
});
afterAll(async () => {
  await server.close();
  await handle.close();
});

async function rollout(label: string, deviceIds: string[], fields: Record<string, unknown>) {
  const f = await fleetOf(handle, label, deviceIds.length, deviceIds);
  // 1 MiB, so that a download arrives in several chunks and can be cut mid-way (a 64 KiB file
  // often arrived in one chunk, and then no device resumed).
  const fw = await createTestFirmware(handle.db, f.tenantId, {
    version: "5.0.0",
    size: 1024 * 1024,
    deviceType: "sensor",
  });
  const passwords = await issueSimulatorCredentials(handle.db, f.tenantId, deviceIds);
  const jwks = await readTenantJwks(handle.db, f.tenantId, process.env.AUTH_SECRET!);
  const sim = await startFleet({
    devices: deviceIds.map((deviceId) => ({
      tenantId: f.tenantId,
      deviceId,
      version: "1.0.0",
      password: passwords.get(deviceId),
      jwks,
    })),
    mqtt: { url: process.env.MQTT_URL! },
    delayMs: 20,
    interruptRate: 0.3,
  });
  const worker = await workerFor(handle, [f.tenantId], { publicUrl: server.origin });
  const stop = async () => {
    await worker.stop();
    await sim.stop();
  };
  try {
    const id = await campaignFor(handle, f.tenantId, fw.id, fields, { start: false });
    expect((await campaignState(handle, id)).status).toBe("CREATED");
    const start = () =>
      withTenant(handle.db, f.tenantId, (tx) => transitionCampaign(tx, f.tenantId, id, "start", "test"));
    return { f, fw, id, stop, start };
  } catch (err) {
    await stop();
    throw err;
  }
}

it("takes a 15-device campaign from CREATED to COMPLETED with simulated devices that verify every manifest", async () => {
  const ids = Array.from({ length: 15 }, (_, i) => `sim-${String(i).padStart(2, "0")}`);
  const r = await rollout("sim-ok", ids, { rollout_rate: 5, rollout_strategy: "canary", canary_percent: 20 });
  try {
    await r.start();
    await until(async () => (await campaignState(handle, r.id)).status === "COMPLETED", "COMPLETED", 25_000);
    expect(await expectExactCounters(handle, r.id)).toMatchObject({ succeeded: 15, failed: 0, phase: "rollout" });
    const devs = await handle.sql`SELECT fw_version FROM devices WHERE tenant_id = ${r.f.tenantId}`;
    expect(devs.every((d) => d.fw_version === "5.0.0")).toBe(true);
    // Real downloads: every device fetched the binary, some resumed with Range.
    const mine = server.requests.filter((q) => q.path.startsWith(`/firmware/${r.fw.id}/`));
    expect(new Set(mine.map((q) => q.userAgent)).size).toBe(15);
    expect(mine.some((q) => q.range !== null && q.status === 206)).toBe(true);
  } finally {
    await r.stop();
  }
}, 40_000);

it("aborts a campaign where most devices fail, with the reason, and exact counters", async () => {
  const ids = Array.from({ length: 15 }, (_, i) => (i % 3 === 0 ? `ok-${i}` : `dev-fail-${i}`));
  const r = await rollout("sim-fail", ids, { rollout_rate: 4, abort_min_devices: 5, abort_threshold: 0.2 });
  try {
    await r.start();
    const c = await until(
      async () => {
        const s = await campaignState(handle, r.id);
        return s.status === "ABORTED" ? s : null;
      },
      "ABORTED",
      25_000,
    );
    expect(c.abort_reason).toMatch(
      /^Failure threshold exceeded: \d+ of \d+ finished devices failed \(\d+\.\d% > 20\.0% threshold, minimum sample 5\)$/,
    );
    // Devices still updating when it aborted finish and are recorded; the rest are SKIPPED.
    await until(
      async () => {
        const s = await campaignState(handle, r.id);
        return s.downloading + s.installing === 0;
      },
      "in-flight devices to finish",
      15_000,
    );
    const end = await expectExactCounters(handle, r.id);
    expect(end.skipped).toBeGreaterThan(0);
    expect(end.failed).toBeGreaterThan(end.succeeded);
    const failedRows = (await deviceRows(handle, r.id)).filter((d) => d.status === "FAILED");
    expect(failedRows.every((d) => d.device_id.includes("-fail-"))).toBe(true);
  } finally {
    await r.stop();
  }
}, 40_000);
