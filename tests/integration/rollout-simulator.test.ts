import { sign } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { withTenant } from "@/lib/db/tenant";
import { transitionCampaign } from "@/lib/ota/campaigns";
import { isFinalCampaign } from "@/lib/rules/statuses";
import { registerReleaseKey, updateOtaSettings } from "@/lib/ota/release-keys";
import { generateSigningKey, publicJwk, type PublicJwk } from "@/lib/rollout/manifest";
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

async function rollout(
  label: string,
  deviceIds: string[],
  fields: Record<string, unknown>,
  trust: {
    releaseKeys?: PublicJwk[];
    beforeFleet?: (f: { tenantId: string; fwId: number; sha256: string }) => Promise<void>;
  } = {},
) {
  const f = await fleetOf(handle, label, deviceIds.length, deviceIds);
  // 1 MiB, so that a download arrives in several chunks and can be cut mid-way (a 64 KiB file
  // often arrived in one chunk, and then no device resumed).
  const fw = await createTestFirmware(handle.db, f.tenantId, {
    version: "5.0.0",
    size: 1024 * 1024,
    deviceType: "sensor",
  });
  await trust.beforeFleet?.({ tenantId: f.tenantId, fwId: fw.id, sha256: fw.sha256 });
  const passwords = await issueSimulatorCredentials(handle.db, f.tenantId, deviceIds);
  const jwks = await readTenantJwks(handle.db, f.tenantId, process.env.AUTH_SECRET!);
  const sim = await startFleet({
    devices: deviceIds.map((deviceId) => ({
      tenantId: f.tenantId,
      deviceId,
      version: "1.0.0",
      password: passwords.get(deviceId),
      jwks,
      releaseKeys: trust.releaseKeys,
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

it("rolls out firmware signed with the operator's release key to devices that carry the key, and not to devices that carry another", async () => {
  const release = generateSigningKey();
  const stranger = generateSigningKey();
  const ids = Array.from({ length: 6 }, (_, i) => `rel-${i}`);
  const r = await rollout(
    "sim-release",
    ids,
    { rollout_rate: 6, abort_min_devices: 100 },
    {
      releaseKeys: [publicJwk(release)],
      beforeFleet: async ({ tenantId, fwId, sha256 }) => {
        await withTenant(handle.db, tenantId, async (tx) => {
          await registerReleaseKey(tx, tenantId, { name: "build", public_key: { ...publicJwk(release) } }, "test");
          await updateOtaSettings(tx, tenantId, { require_signed_firmware: true });
        });
        // The operator's pipeline signs the 64 hex characters of the image's SHA-256
        // (npm run sign-firmware); the upload check itself is tested in firmware-signed.test.ts.
        const sig = sign(null, Buffer.from(sha256, "ascii"), release.privateKey).toString("base64url");
        await handle.sql`UPDATE firmware_versions SET release_signature = ${sig}, release_kid = ${release.kid}
                         WHERE id = ${fwId}`;
      },
    },
  );
  try {
    await r.start();
    await until(async () => (await campaignState(handle, r.id)).status === "COMPLETED", "COMPLETED", 25_000);
    expect(await expectExactCounters(handle, r.id)).toMatchObject({ succeeded: 6, failed: 0 });
  } finally {
    await r.stop();
  }
  // The same image, to devices whose baked-in release key is another one: refused, never installed.
  const other = await rollout(
    "sim-release-other",
    ["x-0", "x-1"],
    { rollout_rate: 2, abort_min_devices: 100 },
    {
      releaseKeys: [publicJwk(stranger)],
      beforeFleet: async ({ fwId, sha256 }) => {
        const sig = sign(null, Buffer.from(sha256, "ascii"), release.privateKey).toString("base64url");
        await handle.sql`UPDATE firmware_versions SET release_signature = ${sig}, release_kid = ${release.kid}
                         WHERE id = ${fwId}`;
      },
    },
  );
  try {
    await other.start();
    // Its canary fails, so the campaign ends (aborted) with nothing installed.
    await until(async () => isFinalCampaign((await campaignState(handle, other.id)).status), "the end", 25_000);
    const end = await expectExactCounters(handle, other.id);
    expect(end.succeeded).toBe(0);
    expect(end.failed).toBeGreaterThan(0);
    const failed = (await deviceRows(handle, other.id)).filter((d) => d.status === "FAILED");
    expect(failed.every((d) => /release/i.test(d.error_message ?? ""))).toBe(true);
  } finally {
    await other.stop();
  }
}, 60_000);
