/**
 * The data every fuzz file arranges before its requests: two tenants (A and B), each with
 * devices, a group, firmware, campaigns, command-signing keys and a release key, guarded so
 * that even a well-formed request could not change them (tests/support/fuzz-send.ts says
 * how), and the credentials the requests are sent with, good and junk.
 */
import { asc, eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { SESSION_COOKIE } from "@/lib/auth/token";
import { config, firmwareDir, requireAuthSecret } from "@/lib/config";
import {
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
  tenantSigningKeys,
} from "@/lib/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { registerReleaseKey, retireReleaseKey } from "@/lib/ota/release-keys";
import { ensureSigningKey, MAX_SIGNING_KEYS, stageSigningKey } from "@/lib/ota/signing-keys";
import { storeBuffer } from "@/lib/ota/storage";
import { generateSigningKey, publicJwk, type PublicJwk } from "@/lib/rollout/manifest";
import { authAs, bearer } from "./api";
import { createTestTenant, testDb, type TestTenant } from "./db";

export const handle = testDb();
export let a: TestTenant;
export let b: TestTenant;
export const ids = {
  fwStored: 0, // A: stored binary, checksum, used by the active campaign
  fwUrl: 0, // A: registered by URL, checksum, used by the completed campaign
  guardCampaign: 0, // A: CREATED (active): never sent to start/pause/abort
  doneCampaign: 0, // A: COMPLETED: every transition is refused
  fwB: 0, // B: used by B's completed campaign
  campaignB: 0, // B: COMPLETED
};
export const A_DEVICES = ["fz-dev-1", "fz-dev-2"];
export const A_GROUP = "fz-group";
export const B_DEVICE = "fzb-dev-1";
export const B_GROUP = "fzb-group";
export const fileContent = Buffer.from("flotilla fuzz firmware image\n".repeat(100));
/** Key ids (RFC 7638 thumbprints) of the arranged keys, per tenant. */
export const kids = {
  signingA: [] as string[], // A: MAX_SIGNING_KEYS unretired command-signing keys (a rotation is refused)
  signingB: [] as string[],
  releaseA: "", // A: its only release key, retired (so requiring signed firmware is refused)
  releaseB: "",
};
/** A key id of the right shape that no tenant has: what the guards send instead of a real one. */
export const UNKNOWN_KID = "fz-unknown-kid".padEnd(43, "0");
/** Tenant A's release key, as registered (a JWK) and as PEM: registering it again is refused (409). */
export const releaseKeyA = { jwk: {} as PublicJwk, pem: "" };

/** `hook`: the broker calling the MQTT hooks with MQTT_HOOK_SECRET (set by fuzz-harness.ts). */
export type Actor = "admin" | "cookie" | "viewer" | "other" | "hook" | "none" | "junk";
export const actorHeaders = {} as Record<Exclude<Actor, "junk" | "none">, Record<string, string>>;
/** Authorization / Cookie headers that must all answer 401. */
export let junkAuth: { label: string; headers: Record<string, string> }[] = [];
/** A genuine token (right key, unexpired) of an admin whose tenant has since been deleted. */
export let staleAuth: Record<string, string>;

export async function arrange() {
  a = await createTestTenant(handle, "fuzz-a");
  b = await createTestTenant(handle, "fuzz-b");
  // Signing keys at their limit: a rotation is refused (409), and a GET of the JWKS has nothing to create.
  for (const t of [a, b]) {
    await withTenant(handle.db, t.tenantId, async (tx) => {
      await ensureSigningKey(tx, t.tenantId, requireAuthSecret());
      for (let i = 1; i < MAX_SIGNING_KEYS; i++) await stageSigningKey(tx, t.tenantId, requireAuthSecret());
    });
  }
  for (const [t, own] of [
    [a, "signingA"],
    [b, "signingB"],
  ] as const) {
    const rows = await handle.db
      .select({ kid: tenantSigningKeys.kid })
      .from(tenantSigningKeys)
      .where(eq(tenantSigningKeys.tenantId, t.tenantId))
      .orderBy(asc(tenantSigningKeys.createdAt));
    kids[own] = rows.map((r) => r.kid);
  }
  // One retired release key each: no tenant may require signed firmware (409), and retiring
  // the key again would change nothing but answer 204, so the guards never send its kid.
  for (const t of [a, b]) {
    const key = generateSigningKey();
    const jwk = publicJwk(key);
    await withTenant(handle.db, t.tenantId, async (tx) => {
      await registerReleaseKey(tx, t.tenantId, { name: "fuzz", public_key: { ...jwk } }, t.users.admin.email);
      await retireReleaseKey(tx, t.tenantId, jwk.kid);
    });
    if (t === a) {
      kids.releaseA = jwk.kid;
      releaseKeyA.jwk = jwk;
      releaseKeyA.pem = key.publicKey.export({ format: "pem", type: "spki" }).toString();
    } else kids.releaseB = jwk.kid;
  }
  const stored = await storeBuffer(firmwareDir(), fileContent);
  const [fw1, fw2] = await handle.db
    .insert(firmwareVersions)
    .values([
      {
        tenantId: a.tenantId,
        version: "1.0.0",
        deviceType: "sensor",
        fileUrl: "pending",
        fileSizeBytes: stored.sizeBytes,
        checksumSha256: stored.sha256,
        storageKey: stored.key,
      },
      {
        tenantId: a.tenantId,
        version: "0.9.0",
        deviceType: "sensor",
        fileUrl: "https://example.test/fw-0.9.0.bin",
        checksumSha256: "ab".repeat(32),
      },
    ])
    .returning();
  ids.fwStored = fw1!.id;
  ids.fwUrl = fw2!.id;
  await handle.sql`UPDATE firmware_versions SET file_url = ${`/firmware/${ids.fwStored}/download`} WHERE id = ${ids.fwStored}`;
  await handle.db
    .insert(devices)
    .values(
      A_DEVICES.map((deviceId) => ({ tenantId: a.tenantId, deviceId, deviceType: "sensor", fwVersion: "0.9.0" })),
    );
  await handle.db.insert(deviceGroups).values({ tenantId: a.tenantId, groupId: A_GROUP, name: "Fuzz group" });
  await handle.db
    .insert(deviceGroupMembers)
    .values(A_DEVICES.map((deviceId) => ({ tenantId: a.tenantId, groupId: A_GROUP, deviceId })));
  const [guard, done] = await handle.db
    .insert(otaCampaigns)
    .values([
      {
        tenantId: a.tenantId,
        name: "guard",
        firmwareVersionId: ids.fwStored,
        targetGroupId: A_GROUP,
        status: "CREATED",
        totalDevices: 2,
      },
      {
        tenantId: a.tenantId,
        name: "done",
        firmwareVersionId: ids.fwUrl,
        targetGroupId: A_GROUP,
        status: "COMPLETED",
        totalDevices: 2,
        succeeded: 2,
        startedAt: new Date(Date.now() - 3_600_000),
        completedAt: new Date(),
      },
    ])
    .returning();
  ids.guardCampaign = guard!.id;
  ids.doneCampaign = done!.id;
  await handle.db.insert(otaDeviceStatus).values([
    ...A_DEVICES.map((deviceId) => ({
      tenantId: a.tenantId,
      campaignId: ids.guardCampaign,
      deviceId,
      status: "PENDING" as const,
    })),
    ...A_DEVICES.map((deviceId) => ({
      tenantId: a.tenantId,
      campaignId: ids.doneCampaign,
      deviceId,
      status: "SUCCESS" as const,
      progressPct: 100,
    })),
  ]);

  const [fwB] = await handle.db
    .insert(firmwareVersions)
    .values({
      tenantId: b.tenantId,
      version: "1.0.0",
      deviceType: "sensor",
      fileUrl: "https://example.test/b.bin",
      checksumSha256: "cd".repeat(32),
    })
    .returning();
  ids.fwB = fwB!.id;
  await handle.db
    .insert(devices)
    .values({ tenantId: b.tenantId, deviceId: B_DEVICE, deviceType: "sensor", fwVersion: "0.9.0" });
  await handle.db.insert(deviceGroups).values({ tenantId: b.tenantId, groupId: B_GROUP, name: "B group" });
  await handle.db.insert(deviceGroupMembers).values({ tenantId: b.tenantId, groupId: B_GROUP, deviceId: B_DEVICE });
  const [cB] = await handle.db
    .insert(otaCampaigns)
    .values({
      tenantId: b.tenantId,
      name: "b",
      firmwareVersionId: ids.fwB,
      targetGroupId: B_GROUP,
      status: "COMPLETED",
      totalDevices: 1,
    })
    .returning();
  ids.campaignB = cB!.id;
  await handle.db.insert(otaDeviceStatus).values({
    tenantId: b.tenantId,
    campaignId: ids.campaignB,
    deviceId: B_DEVICE,
    status: "SUCCESS",
    progressPct: 100,
  });

  const admin = await authAs(a, "admin");
  const adminToken = admin.Authorization.slice("Bearer ".length);
  actorHeaders.admin = admin;
  actorHeaders.viewer = await authAs(a, "viewer");
  actorHeaders.other = await authAs(b, "admin");
  const gone = await createTestTenant(handle, "fuzz-gone");
  staleAuth = await authAs(gone, "admin");
  await handle.sql`DELETE FROM tenants WHERE tenant_id = ${gone.tenantId}`; // its users go with it (ON DELETE CASCADE)
  actorHeaders.cookie = { Cookie: `${SESSION_COOKIE}=${adminToken}` };
  const hookSecret = config().MQTT_HOOK_SECRET;
  if (!hookSecret)
    throw new Error("MQTT_HOOK_SECRET is not set: fuzz-harness.ts sets it before config() is first read");
  actorHeaders.hook = { Authorization: `Bearer ${hookSecret}` };

  const secret = requireAuthSecret();
  const claims = { tid: a.tenantId, role: "admin", email: a.users.admin.email };
  const jwt = (c: Record<string, unknown>, key: string, f: (j: SignJWT) => SignJWT = (j) => j) =>
    f(
      new SignJWT(c)
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(String(a.users.admin.id))
        .setIssuer("flotilla")
        .setIssuedAt()
        .setExpirationTime("1h"),
    ).sign(new TextEncoder().encode(key));
  const [head, payload, sig] = adminToken.split(".") as [string, string, string];
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), tid: b.tenantId }),
  ).toString("base64url");
  const wrongKey = await jwt(claims, "a-wrong-secret-that-is-long-enough-0123456789");
  junkAuth = [
    { label: "Bearer (no token)", headers: { Authorization: "Bearer" } },
    { label: "Bearer + space", headers: { Authorization: "Bearer " } },
    { label: "Bearer two words", headers: { Authorization: "Bearer abc def" } },
    { label: "Basic", headers: { Authorization: "Basic dXNlcjpwYXNz" } },
    { label: "Token scheme", headers: { Authorization: `Token ${adminToken}` } },
    { label: "three dots", headers: bearer("a.b.c") },
    { label: "10k junk", headers: bearer("A".repeat(10_000)) },
    { label: "latin1 junk", headers: bearer("\u00e9\u00ff\u00a0x") },
    { label: "alg none", headers: bearer(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`) },
    { label: "wrong key", headers: bearer(wrongKey) },
    { label: "payload swapped to tenant B (old signature)", headers: bearer(`${head}.${forgedPayload}.${sig}`) },
    { label: "signature cut", headers: bearer(`${head}.${payload}.${sig.slice(0, -3)}`) },
    {
      label: "expired (right key)",
      headers: bearer(await jwt(claims, secret, (j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 60))),
    },
    { label: "role root (right key)", headers: bearer(await jwt({ ...claims, role: "root" }, secret)) },
    { label: "no tid (right key)", headers: bearer(await jwt({ role: "admin", email: "x@y.z" }, secret)) },
    { label: "sub not a number (right key)", headers: bearer(await jwt(claims, secret, (j) => j.setSubject("abc"))) },
    { label: "wrong issuer (right key)", headers: bearer(await jwt(claims, secret, (j) => j.setIssuer("evil"))) },
    { label: "token plus trailing word", headers: { Authorization: `Bearer ${adminToken} x` } },
    { label: "cookie junk", headers: { Cookie: `${SESSION_COOKIE}=garbage` } },
    { label: "cookie empty", headers: { Cookie: `${SESSION_COOKIE}=` } },
    { label: "cookie wrong key", headers: { Cookie: `${SESSION_COOKIE}=${wrongKey}` } },
    { label: "cookie separators only", headers: { Cookie: ";;;=;=" } },
    { label: "cookie lone percent", headers: { Cookie: `${SESSION_COOKIE}=%` } },
    { label: "cookie bad percent-encoding", headers: { Cookie: `${SESSION_COOKIE}=%E0%A4%A` } },
    { label: "cookie junk then percent", headers: { Cookie: `${SESSION_COOKIE}=a; ${SESSION_COOKIE}=%` } },
  ];
}
