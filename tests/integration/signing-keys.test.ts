/**
 * The tenant's command-signing keys: the JWKS route through the real handlers (roles, RLS
 * isolation between tenants), the two-step rotation (stage, activate) and retirement, the
 * private key encrypted at rest, and the worker's per-tenant signer cache.
 */
import { createPublicKey, randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { calculateJwkThumbprint, compactVerify, importJWK } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import * as activateRoute from "@/app/customer/ota/signing-keys/[kid]/activate/route";
import * as keyRoute from "@/app/customer/ota/signing-keys/[kid]/route";
import * as keysRoute from "@/app/customer/ota/signing-keys/route";
import * as statusRoute from "@/app/customer/ota/signing-keys/status/route";
import { withTenant } from "@/lib/db/tenant";
import { decryptPrivateKey, SigningKeyUnreadable } from "@/lib/ota/signing-key-crypto";
import {
  activateSigningKey,
  ensureSigningKey,
  manifestSigners,
  MAX_SIGNING_KEYS,
  stageSigningKey,
  tenantJwks,
} from "@/lib/ota/signing-keys";
import { signManifest } from "@/lib/rollout/manifest";
import { call, callAs, type Role } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";
import { sleep } from "../support/time";

const handle = testDb();
afterAll(() => handle.close());
const secret = () => process.env.AUTH_SECRET!;

const storedKeys = (tenantId: string) =>
  handle.sql<
    { kid: string; public_x: string; private_key_enc: string; activated_at: string | null; retired_at: string | null }[]
  >`
    SELECT kid, public_x, private_key_enc, activated_at, retired_at FROM tenant_signing_keys
    WHERE tenant_id = ${tenantId} ORDER BY created_at`;

type Jwk = { kty: string; crv: string; kid: string; x: string };
const jwkOf = ({ kty, crv, kid, x }: Jwk): Jwk => ({ kty, crv, kid, x });
const jwks = async (t: TestTenant) => (await callAs(t, "viewer", keysRoute.GET)).body.keys as Jwk[];
const statuses = async (t: TestTenant) =>
  ((await callAs(t, "viewer", statusRoute.GET)).body.keys as (Jwk & { status: string })[]).map(
    (k) => [k.kid, k.status] as const,
  );
const stage = (t: TestTenant, role: Role = "admin") => callAs(t, role, keysRoute.POST);
const activate = (t: TestTenant, kid: string, role: Role = "admin") =>
  callAs(t, role, activateRoute.POST, { params: { kid } });
const retire = (t: TestTenant, kid: string, role: Role = "admin") =>
  callAs(t, role, keyRoute.DELETE, { method: "DELETE", params: { kid } });
const signerKid = async (t: TestTenant) =>
  (await withTenant(handle.db, t.tenantId, (tx) => ensureSigningKey(tx, t.tenantId, secret()))).kid;

describe("GET /customer/ota/signing-keys", () => {
  it("serves the tenant's public key as a JWKS to any role, the same key every time", async () => {
    const t = await createTestTenant(handle, "sk-jwks");
    const res = await callAs(t, "viewer", keysRoute.GET);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      keys: [{ kty: "OKP", crv: "Ed25519", kid: expect.stringMatching(/^[\w-]{43}$/), x: expect.any(String) }],
    });
    const [jwk] = res.body.keys;
    // The kid is the RFC 7638 thumbprint, as any JOSE library computes it.
    expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk));
    expect((await callAs(t, "operator", keysRoute.GET)).body).toEqual(res.body);
    expect((await callAs(t, "admin", keysRoute.GET)).body).toEqual(res.body);
    expect(await storedKeys(t.tenantId)).toHaveLength(1);
    expect((await call(keysRoute.GET)).status).toBe(401);
  });

  it("keeps tenants apart: each sees only its own keys and cannot retire another's", async () => {
    const a = await createTestTenant(handle, "sk-iso-a");
    const b = await createTestTenant(handle, "sk-iso-b");
    const ka = (await callAs(a, "viewer", keysRoute.GET)).body.keys;
    const kb = (await callAs(b, "viewer", keysRoute.GET)).body.keys;
    expect(ka[0].kid).not.toBe(kb[0].kid);
    // B stages a key, which B itself could activate or retire; A can do neither.
    const staged = await stage(b);
    expect(staged.status).toBe(201);
    for (const kid of [kb[0].kid, staged.body.kid]) {
      expect(await retire(a, kid)).toMatchObject({ status: 404, body: { code: "not_found" } });
      expect(await activate(a, kid)).toMatchObject({ status: 404, body: { code: "not_found" } });
    }
    expect((await storedKeys(b.tenantId)).map((k) => [k.kid, k.activated_at !== null, k.retired_at])).toEqual([
      [kb[0].kid, true, null],
      [staged.body.kid, false, null],
    ]);
    expect(await signerKid(b)).toBe(kb[0].kid);
    expect((await callAs(a, "viewer", keysRoute.GET)).body.keys).toEqual(ka);
    expect(await statuses(a)).toEqual([[ka[0].kid, "active"]]);
    // The RLS transaction alone, without the tenant filter, sees no other tenant's rows.
    const seen = await withTenant(handle.db, a.tenantId, (tx) =>
      tx.execute<{ tenant_id: string }>(sql`SELECT DISTINCT tenant_id FROM tenant_signing_keys`),
    );
    expect([...seen].map((r) => r.tenant_id)).toEqual([a.tenantId]);
  });
});

describe("the two-step rotation", () => {
  it("stages (admin only) a key that is in the JWKS at once and signs only once activated", async () => {
    const t = await createTestTenant(handle, "sk-stage");
    const [first] = await jwks(t);
    // The tenant's first key signs at once: no device can have been provisioned before it.
    expect((await storedKeys(t.tenantId))[0]!.activated_at).not.toBeNull();
    expect(await signerKid(t)).toBe(first!.kid);
    expect((await stage(t, "operator")).status).toBe(403);
    expect((await stage(t, "viewer")).status).toBe(403);
    expect((await call(keysRoute.POST, { method: "POST" })).status).toBe(401);

    const staged = await stage(t);
    expect(staged).toMatchObject({ status: 201 });
    expect(staged.body).toEqual({
      kty: "OKP",
      crv: "Ed25519",
      kid: expect.stringMatching(/^[\w-]{43}$/),
      x: expect.any(String),
      status: "staged",
      created_at: expect.any(String),
      activated_at: null,
    });
    expect(staged.body.kid).toBe(await calculateJwkThumbprint(jwkOf(staged.body)));
    // In the JWKS, exactly as a JWKS (devices provisioned from now on trust it), after the signer...
    expect(await jwks(t)).toEqual([first, jwkOf(staged.body)]);
    // ...and not signing.
    expect(await signerKid(t)).toBe(first!.kid);
    expect(await statuses(t)).toEqual([
      [first!.kid, "active"],
      [staged.body.kid, "staged"],
    ]);
    const listed = (await callAs(t, "viewer", statusRoute.GET)).body.keys;
    expect(listed[1]).toEqual(staged.body);
    expect(listed[0]).toEqual({
      ...first,
      status: "active",
      created_at: expect.any(String),
      activated_at: expect.any(String),
    });
    expect((await call(statusRoute.GET)).status).toBe(401);

    // Activate: an admin's; only a key of the JWKS.
    expect((await activate(t, staged.body.kid, "operator")).status).toBe(403);
    expect((await call(activateRoute.POST, { params: { kid: staged.body.kid } })).status).toBe(401);
    expect(await activate(t, "A".repeat(43))).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect((await activate(t, "not-a-kid")).status).toBe(422);
    expect(await signerKid(t)).toBe(first!.kid);
    const activated = await activate(t, staged.body.kid);
    expect(activated).toMatchObject({ status: 200, body: { ...jwkOf(staged.body), status: "active" } });
    expect(Date.parse(activated.body.activated_at)).toBeGreaterThanOrEqual(Date.parse(staged.body.created_at));
    expect(await signerKid(t)).toBe(staged.body.kid);
    // The signer first; the old key stays, for devices not yet given the new one.
    expect(await jwks(t)).toEqual([jwkOf(staged.body), first]);
    expect(await statuses(t)).toEqual([
      [staged.body.kid, "active"],
      [first!.kid, "previous"],
    ]);
    // Activating the signer again changes nothing.
    expect(await activate(t, staged.body.kid)).toMatchObject({ status: 200, body: activated.body });
    expect(await signerKid(t)).toBe(staged.body.kid);
    // Activating the previous key makes it sign again (and back).
    expect(await activate(t, first!.kid)).toMatchObject({ status: 200, body: { kid: first!.kid, status: "active" } });
    expect(await signerKid(t)).toBe(first!.kid);
    expect(await jwks(t)).toEqual([first, jwkOf(staged.body)]);
    expect((await activate(t, staged.body.kid)).status).toBe(200);
    expect(await signerKid(t)).toBe(staged.body.kid);
    // A retired key cannot be activated.
    expect((await retire(t, first!.kid)).status).toBe(204);
    expect(await activate(t, first!.kid)).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect(await jwks(t)).toEqual([jwkOf(staged.body)]);
  });

  it("retires a staged key always, never the last activated one; the signer's retirement hands back to the one before", async () => {
    const t = await createTestTenant(handle, "sk-retire");
    const [first] = await jwks(t);
    const staged = (await stage(t)).body;
    expect((await retire(t, first!.kid, "operator")).status).toBe(403);
    expect((await retire(t, "not-a-kid")).status).toBe(422);
    expect(await retire(t, "A".repeat(43))).toMatchObject({ status: 404, body: { code: "not_found" } });
    // The only activated key, beside a staged one the fleet may not know yet: refused.
    expect(await retire(t, first!.kid)).toMatchObject({
      status: 409,
      body: { code: "conflict", detail: expect.stringContaining("activate a staged one first") },
    });
    expect((await retire(t, staged.kid)).status).toBe(204);
    expect((await retire(t, staged.kid)).status).toBe(404);
    expect(await jwks(t)).toEqual([first]);
    // The last key: refused.
    expect(await retire(t, first!.kid)).toMatchObject({ status: 409, body: { code: "conflict" } });

    // Retiring the signer while the key before it remains: that one signs again.
    const second = (await stage(t)).body;
    expect((await activate(t, second.kid)).status).toBe(200);
    expect((await retire(t, second.kid)).status).toBe(204);
    expect(await signerKid(t)).toBe(first!.kid);
    expect(await statuses(t)).toEqual([[first!.kid, "active"]]);

    // The usual end of a rotation: the old key goes once the new one signs.
    const third = (await stage(t)).body;
    expect((await activate(t, third.kid)).status).toBe(200);
    expect((await retire(t, first!.kid)).status).toBe(204);
    expect(await jwks(t)).toEqual([jwkOf(third)]);
    expect(await signerKid(t)).toBe(third.kid);
    expect((await storedKeys(t.tenantId)).filter((k) => k.retired_at === null).map((k) => k.kid)).toEqual([third.kid]);
  });

  it("keeps at most MAX_SIGNING_KEYS unretired, staged ones included: one more is 409 until one is retired", async () => {
    const t = await createTestTenant(handle, "sk-cap");
    await jwks(t);
    const staged: string[] = [];
    for (let i = 1; i < MAX_SIGNING_KEYS; i++) {
      const res = await stage(t);
      expect(res.status).toBe(201);
      staged.push(res.body.kid);
    }
    expect(await stage(t)).toMatchObject({ status: 409, body: { code: "conflict" } });
    expect(await storedKeys(t.tenantId)).toHaveLength(MAX_SIGNING_KEYS);
    expect((await retire(t, staged[0]!)).status).toBe(204);
    expect((await stage(t)).status).toBe(201);
  });

  it("gives a tenant that stages before it has any key its first, active key too", async () => {
    const t = await createTestTenant(handle, "sk-stage-first");
    const staged = await stage(t);
    expect(staged).toMatchObject({ status: 201, body: { status: "staged" } });
    const rows = await storedKeys(t.tenantId);
    expect(rows.map((r) => [r.kid === staged.body.kid, r.activated_at !== null])).toEqual([
      [false, true],
      [true, false],
    ]);
    expect(await signerKid(t)).toBe(rows[0]!.kid);
  });

  it("creates one key, not several, when many ask for the first one at once", async () => {
    for (let round = 0; round < 4; round++) {
      const t = await createTestTenant(handle, "sk-race");
      const kids = await Promise.all(
        Array.from({ length: 6 }, () =>
          withTenant(handle.db, t.tenantId, (tx) => ensureSigningKey(tx, t.tenantId, secret())),
        ),
      );
      expect(new Set(kids.map((k) => k.kid)).size).toBe(1);
      expect(await storedKeys(t.tenantId)).toHaveLength(1);
    }
  });
});

describe("the private key at rest", () => {
  it("is stored encrypted, decrypts only under the right AUTH_SECRET and only in its own row", async () => {
    const t = await createTestTenant(handle, "sk-rest");
    const other = await createTestTenant(handle, "sk-rest-o");
    await withTenant(handle.db, t.tenantId, (tx) => tenantJwks(tx, t.tenantId, secret()));
    await withTenant(handle.db, other.tenantId, (tx) => tenantJwks(tx, other.tenantId, secret()));
    const [row] = await storedKeys(t.tenantId);
    const [otherRow] = await storedKeys(other.tenantId);
    expect(row!.private_key_enc).toMatch(/^v1\.[\w-]+$/);

    const key = decryptPrivateKey(row!.private_key_enc, t.tenantId, row!.kid, secret());
    expect(createPublicKey(key.privateKey).export({ format: "jwk" })).toMatchObject({ x: row!.public_x });
    // The raw key in none of its usual encodings: PKCS#8 DER, its 32-byte seed, the JWK's d.
    const der = key.privateKey.export({ format: "der", type: "pkcs8" });
    const { d } = key.privateKey.export({ format: "jwk" }) as { d: string };
    const seed = Buffer.from(d, "base64url");
    for (const raw of [der, seed]) {
      for (const enc of ["base64", "base64url", "hex"] as const) {
        expect(row!.private_key_enc).not.toContain(raw.toString(enc).replace(/=+$/, "").slice(0, 40));
      }
    }
    expect(row!.private_key_enc).not.toContain(d);
    const stored = Buffer.from(row!.private_key_enc.slice(3), "base64url");
    expect(stored.includes(seed)).toBe(false);
    expect(stored.includes(der)).toBe(false);

    // Another AUTH_SECRET: a clear error, not garbage.
    expect(() =>
      decryptPrivateKey(row!.private_key_enc, t.tenantId, row!.kid, randomBytes(32).toString("hex")),
    ).toThrow(SigningKeyUnreadable);
    expect(() => decryptPrivateKey(row!.private_key_enc, t.tenantId, row!.kid, `${secret()}x`)).toThrow(
      /cannot be used: it does not decrypt under this AUTH_SECRET/,
    );
    // Another row's ciphertext under this row's tenant and kid does not decrypt either.
    expect(() => decryptPrivateKey(otherRow!.private_key_enc, t.tenantId, row!.kid, secret())).toThrow(
      SigningKeyUnreadable,
    );
    expect(() => decryptPrivateKey(row!.private_key_enc, other.tenantId, row!.kid, secret())).toThrow(
      SigningKeyUnreadable,
    );
  });
});

describe("the worker's signers", () => {
  it("sign with the tenant's active key, create one for a tenant without, and follow an activation, not a staging", async () => {
    const t = await createTestTenant(handle, "sk-signers");
    const refreshMs = 1500;
    const signers = manifestSigners(handle.db, secret(), { refreshMs });
    const first = await signers.forTenant(t.tenantId);
    let loadedAt = Date.now();
    const keys = await jwks(t);
    expect(keys.map((k) => k.kid)).toEqual([first.kid]);
    const jws = signManifest(
      {
        tenant_id: t.tenantId,
        device_id: "d",
        campaign_id: 1,
        version: "1",
        sha256: "ab".repeat(32),
        size: 1,
        url: "http://x/",
        iat: 1,
        exp: 2,
      },
      first,
    );
    await compactVerify(jws, await importJWK(keys[0]!, "EdDSA"));

    // A staged key: past a refresh, the signer is still the first.
    const staged = await withTenant(handle.db, t.tenantId, (tx) => stageSigningKey(tx, t.tenantId, secret()));
    await sleep(refreshMs - (Date.now() - loadedAt) + 50);
    expect((await signers.forTenant(t.tenantId)).kid).toBe(first.kid);
    loadedAt = Date.now();

    await withTenant(handle.db, t.tenantId, (tx) => activateSigningKey(tx, t.tenantId, staged.kid));
    // Cached for now (no query per dispatch)...
    if (Date.now() - loadedAt < refreshMs - 500) expect((await signers.forTenant(t.tenantId)).kid).toBe(first.kid);
    await sleep(refreshMs - (Date.now() - loadedAt) + 50);
    // ...and the activated key once the refresh comes round.
    expect((await signers.forTenant(t.tenantId)).kid).toBe(staged.kid);
    // A worker under another AUTH_SECRET refuses, saying why.
    await expect(manifestSigners(handle.db, `${secret()}-other`).forTenant(t.tenantId)).rejects.toThrow(
      SigningKeyUnreadable,
    );
  });
});
