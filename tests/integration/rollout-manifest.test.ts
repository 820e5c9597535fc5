/**
 * Every command the worker sends carries a manifest that any JOSE library verifies against
 * the JWKS the API serves, addressed to the device it was sent to, naming the same image,
 * URL and expiry as the command; an activated key reaches the worker, a staged one does
 * not; a key the worker cannot read stops dispatch rather than letting an unsigned command
 * out.
 */
import { createLocalJWKSet, compactVerify, type JSONWebKeySet } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import * as activateRoute from "@/app/customer/ota/signing-keys/[kid]/activate/route";
import * as keysRoute from "@/app/customer/ota/signing-keys/route";
import { withTenant } from "@/lib/db/tenant";
import { tenantJwks } from "@/lib/ota/signing-keys";
import { verifyManifest, type ManifestClaims, type PublicJwk } from "@/lib/rollout/manifest";
import { callAs } from "../support/api";
import { testDb } from "../support/db";
import {
  campaignFor,
  campaignState,
  devicesOnBroker,
  fleetOf,
  until,
  workerFor,
  FW_VERSION,
  TICK,
  type Command,
} from "../support/rollout";
import { sleep } from "../support/time";

const handle = testDb();
afterAll(() => handle.close());

const TIMEOUT_S = 7200;

async function verified(cmd: Command, jwks: { keys: PublicJwk[] }) {
  const { payload, protectedHeader } = await compactVerify(
    cmd.payload.manifest as string,
    createLocalJWKSet(jwks as JSONWebKeySet),
    { algorithms: ["EdDSA"] },
  );
  return { header: protectedHeader, claims: JSON.parse(new TextDecoder().decode(payload)) as ManifestClaims };
}

describe("the manifest in every command", () => {
  it("verifies against the tenant's JWKS, is addressed to its device and names the command's image", async () => {
    const f = await fleetOf(handle, "manifest", 6);
    // Stored firmware (a signed download URL) with the operator's release signature.
    const release = { kid: "R".repeat(43), sig: "s".repeat(86) };
    await handle.sql`
      UPDATE firmware_versions SET storage_key = 'fw/test.bin', release_kid = ${release.kid}, release_signature = ${release.sig}
      WHERE id = ${f.fwId}`;
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, {
        rollout_rate: 100,
        device_timeout_seconds: TIMEOUT_S,
      });
      const sentFrom = Math.floor(Date.now() / 1000);
      await until(async () => fleet.commands.length >= 6, "six commands");
      const jwks = (await callAs(f.t, "viewer", keysRoute.GET)).body as { keys: PublicJwk[] };
      expect(jwks.keys).toHaveLength(1);
      for (const cmd of fleet.commands) {
        const { header, claims } = await verified(cmd, jwks);
        expect(header).toEqual({ alg: "EdDSA", kid: jwks.keys[0]!.kid, typ: "flotilla-manifest+jws" });
        // The seed's fields as they were, beside the manifest.
        expect(Object.keys(cmd.payload).sort()).toEqual(
          ["action", "campaign_id", "checksum", "firmware_url", "manifest", "size", "version"].sort(),
        );
        expect(cmd.payload.firmware_url).toMatch(
          new RegExp(`^http://127\\.0\\.0\\.1:9/firmware/${f.fwId}/download\\?`),
        );
        expect(claims).toEqual({
          tenant_id: f.tenantId,
          device_id: cmd.deviceId,
          campaign_id: id,
          version: FW_VERSION,
          sha256: cmd.payload.checksum,
          size: cmd.payload.size,
          url: cmd.payload.firmware_url,
          iat: expect.any(Number),
          exp: expect.any(Number),
          release,
        });
        expect(claims.iat).toBeGreaterThanOrEqual(sentFrom - 5);
        expect(claims.exp).toBeGreaterThanOrEqual(sentFrom + TIMEOUT_S);
        // The download link lives as long as the manifest.
        expect(Number(new URL(cmd.payload.firmware_url as string).searchParams.get("exp"))).toBe(claims.exp);
        // The device-side check agrees, and refuses it on any other device.
        const me = { tenantId: f.tenantId, deviceId: cmd.deviceId };
        expect(await verifyManifest(cmd.payload.manifest as string, jwks, me)).toMatchObject({ ok: true });
        const other = f.deviceIds.find((d) => d !== cmd.deviceId)!;
        expect(await verifyManifest(cmd.payload.manifest as string, jwks, { ...me, deviceId: other })).toMatchObject({
          ok: false,
          reason: expect.stringContaining("not this device"),
        });
      }
      expect(new Set(fleet.commands.map((c) => c.deviceId)).size).toBe(6);
      expect(new Set(fleet.commands.map((c) => c.payload.manifest)).size).toBe(6);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("is in the command a silent device is asked with again, signed for that device", async () => {
    const f = await fleetOf(handle, "manifest-probe", 2);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId]);
    try {
      await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 100, device_timeout_seconds: 1 });
      await until(async () => [...fleet.perDevice().values()].filter((n) => n >= 2).length === 2, "the probes");
      const jwks = (await callAs(f.t, "viewer", keysRoute.GET)).body as { keys: PublicJwk[] };
      for (const cmd of fleet.commands) expect((await verified(cmd, jwks)).claims.device_id).toBe(cmd.deviceId);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("is signed with a staged key only once it is activated, and then soon; the JWKS verifies both", async () => {
    const f = await fleetOf(handle, "manifest-rot", 60);
    const fleet = await devicesOnBroker(f.tenantId);
    const worker = await workerFor(handle, [f.tenantId], { signerRefreshMs: 300 });
    // More commands than a second of ticks: well past the worker's signer refresh.
    const pastRefresh = Math.ceil(1000 / TICK) + 2;
    try {
      await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 1, abort_min_devices: 60 });
      await until(async () => fleet.commands.length >= 1, "the first command");
      const old = (await callAs(f.t, "viewer", keysRoute.GET)).body.keys[0] as PublicJwk;
      const staged = await callAs(f.t, "admin", keysRoute.POST);
      expect(staged).toMatchObject({ status: 201, body: { status: "staged" } });
      const fromStaged = fleet.commands.length;
      await until(async () => fleet.commands.length >= fromStaged + pastRefresh, "commands after the staging", 20_000);

      const activated = await callAs(f.t, "admin", activateRoute.POST, { params: { kid: staged.body.kid } });
      expect(activated).toMatchObject({ status: 200, body: { kid: staged.body.kid, status: "active" } });
      const fromActivated = fleet.commands.length;
      await until(
        async () => fleet.commands.length >= fromActivated + pastRefresh,
        "commands after the activation",
        20_000,
      );
      const jwks = (await callAs(f.t, "viewer", keysRoute.GET)).body as { keys: PublicJwk[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([staged.body.kid, old.kid]);
      const kids: string[] = [];
      for (const cmd of fleet.commands) kids.push((await verified(cmd, jwks)).header.kid!);
      // Staged: every command until the activation still signed with the old key, which
      // every device provisioned before the staging knows.
      expect(kids.slice(0, fromActivated).every((k) => k === old.kid)).toBe(true);
      expect(kids.at(-1)).toBe(staged.body.kid);
      // Once the new key signs, the old one never does again.
      expect(kids.slice(kids.indexOf(staged.body.kid)).every((k) => k === staged.body.kid)).toBe(true);
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });

  it("is not replaced by nothing: a worker that cannot read the tenant's key dispatches nothing", async () => {
    const f = await fleetOf(handle, "manifest-secret", 3);
    await withTenant(handle.db, f.tenantId, (tx) => tenantJwks(tx, f.tenantId, process.env.AUTH_SECRET!));
    const fleet = await devicesOnBroker(f.tenantId);
    const lines: string[] = [];
    const worker = await workerFor(handle, [f.tenantId], {
      authSecret: `${process.env.AUTH_SECRET}-changed`,
      log: (l) => lines.push(l),
    });
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 100 });
      await until(async () => lines.some((l) => l.includes("cannot be used")), "the reason in the log");
      await sleep(TICK * 3);
      expect(fleet.commands).toHaveLength(0);
      expect((await campaignState(handle, id)).pending).toBe(3);
      expect(lines.find((l) => l.includes("cannot be used"))).toContain("AUTH_SECRET");
    } finally {
      await worker.stop();
      await fleet.close();
    }
  });
});
