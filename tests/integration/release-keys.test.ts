/**
 * The operator's release keys and the "require signed firmware" setting, through the route
 * handlers (auth, parsing, the error mapper, RLS): roles, tenant isolation, what is wrong
 * with a refused key, retirement, and the setting's guard. What the keys verify is in
 * firmware-signed.test.ts.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as keys from "@/app/customer/ota/release-keys/route";
import * as oneKey from "@/app/customer/ota/release-keys/[kid]/route";
import * as settings from "@/app/customer/ota/settings/route";
import { thumbprint } from "@/lib/rollout/manifest";
import { authAs, call, callAs } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
let a: TestTenant;
let b: TestTenant;
beforeAll(async () => {
  a = await createTestTenant(handle, "rk-a");
  b = await createTestTenant(handle, "rk-b");
});
afterAll(() => handle.close());

function ed25519() {
  const { publicKey } = generateKeyPairSync("ed25519");
  const { x } = publicKey.export({ format: "jwk" }) as { x: string };
  return {
    kid: thumbprint(publicKey),
    jwk: { kty: "OKP", crv: "Ed25519", x },
    pem: publicKey.export({ format: "pem", type: "spki" }).toString(),
  };
}

const register = async (t: TestTenant, body: unknown, role: "admin" | "operator" | "viewer" = "admin") =>
  callAs(t, role, keys.POST, { body });
const retire = async (t: TestTenant, kid: string, role: "admin" | "operator" | "viewer" = "admin") =>
  callAs(t, role, oneKey.DELETE, { params: { kid }, method: "DELETE" });
const patchSettings = async (t: TestTenant, body: unknown, role: "admin" | "operator" | "viewer" = "admin") =>
  callAs(t, role, settings.PATCH, { body, method: "PATCH" });

describe("POST /customer/ota/release-keys", () => {
  it("registers a JWK or a PEM key under its RFC 7638 thumbprint, once", async () => {
    const k1 = ed25519();
    const res = await register(a, { name: "CI release key", public_key: k1.jwk });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      kid: k1.kid,
      name: "CI release key",
      public_key: { ...k1.jwk, kid: k1.kid },
      created_at: expect.any(String),
      created_by: a.users.admin.email,
      retired_at: null,
    });
    // The same key again, in the other encoding: still the same key.
    const again = await register(a, { name: "again", public_key: k1.pem });
    expect(again.status).toBe(409);
    expect(again.body.detail).toContain(k1.kid);

    const k2 = ed25519();
    const pem = await register(a, { name: "HSM key", public_key: k2.pem });
    expect(pem.status).toBe(201);
    expect(pem.body).toMatchObject({ kid: k2.kid, public_key: { ...k2.jwk, kid: k2.kid } });
    // Another tenant may register the same public key: keys are per tenant.
    expect((await register(b, { name: "shared", public_key: k1.jwk })).status).toBe(201);
  });

  it("is an admin's: operators and viewers get 403, no user 401, and nothing is stored", async () => {
    const k = ed25519();
    expect((await register(a, { name: "x", public_key: k.jwk }, "operator")).status).toBe(403);
    expect((await register(a, { name: "x", public_key: k.jwk }, "viewer")).status).toBe(403);
    expect((await call(keys.POST, { body: { name: "x", public_key: k.jwk } })).status).toBe(401);
    const rows = await handle.sql`SELECT 1 FROM release_keys WHERE kid = ${k.kid}`;
    expect(rows).toHaveLength(0);
  });

  it("says what is wrong with a key that is not an Ed25519 public key (422 at public_key)", async () => {
    const k = ed25519();
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "pem", type: "spki" });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" });
    const x25519 = generateKeyPairSync("x25519").publicKey.export({ format: "pem", type: "spki" });
    const priv = generateKeyPairSync("ed25519").privateKey;
    const cases: [unknown, RegExp][] = [
      [rsa.toString(), /is a rsa key: release keys must be Ed25519/],
      [x25519.toString(), /is a x25519 key: release keys must be Ed25519/],
      [ec, /kty must be "OKP"/],
      [{ ...k.jwk, crv: "X25519" }, /crv must be "Ed25519", not "X25519"/],
      [{ kty: "OKP", crv: "Ed25519" }, /x must be the 32-byte public key/],
      [{ ...k.jwk, x: "not-a-key" }, /x must be the 32-byte public key/],
      [{ ...k.jwk, kid: "my-own-name" }, /is not this key's RFC 7638 thumbprint/],
      [priv.export({ format: "pem", type: "pkcs8" }).toString(), /is a private key/],
      [priv.export({ format: "jwk" }), /is a private key/],
      ["-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", /not a readable PEM public key/],
      ["ssh-ed25519 AAAAC3Nza", /must be a JWK object or a PEM public key/],
    ];
    for (const [public_key, msg] of cases) {
      const res = await register(a, { name: "bad", public_key });
      expect(res.status, JSON.stringify(public_key)).toBe(422);
      expect(res.body.detail[0].loc).toEqual(["body", "public_key"]);
      expect(res.body.detail[0].msg).toMatch(msg);
    }
    // Shape errors stay at their field.
    for (const [body, loc] of [
      [{ name: "", public_key: k.jwk }, "body.name"],
      [{ name: "x".repeat(101), public_key: k.jwk }, "body.name"],
      [{ name: "no key" }, "body.public_key"],
      [{ name: "number", public_key: 42 }, "body.public_key"],
    ] as const) {
      const res = await register(a, body);
      expect(res.status).toBe(422);
      expect(res.body.detail.map((d: { loc: string[] }) => d.loc.join("."))).toContain(loc);
    }
    expect((await handle.sql`SELECT 1 FROM release_keys WHERE kid = ${k.kid}`).length).toBe(0);
  });
});

describe("GET and DELETE /customer/ota/release-keys", () => {
  it("lists the tenant's own keys to viewers, retired ones with retired_at", async () => {
    const t = await createTestTenant(handle, "rk-list");
    const k1 = ed25519();
    const k2 = ed25519();
    await register(t, { name: "one", public_key: k1.jwk });
    await register(t, { name: "two", public_key: k2.pem });
    await register(b, { name: "b's", public_key: ed25519().jwk });
    expect((await retire(t, k1.kid)).status).toBe(204);

    const list = await callAs(t, "viewer", keys.GET);
    expect(list.status).toBe(200);
    expect(list.body.release_keys.map((k: { kid: string }) => k.kid)).toEqual([k1.kid, k2.kid]);
    expect(list.body.release_keys[0].retired_at).toEqual(expect.any(String));
    expect(list.body.release_keys[1].retired_at).toBeNull();
    expect((await call(keys.GET)).status).toBe(401);
  });

  it("retires as an admin only: 204 (again 204), 404 unknown or another tenant's, 422 for a malformed kid", async () => {
    const k = ed25519();
    await register(a, { name: "to retire", public_key: k.jwk });
    expect((await retire(a, k.kid, "operator")).status).toBe(403);
    expect((await retire(a, k.kid, "viewer")).status).toBe(403);
    // Another tenant's key answers like a missing one, and stays unretired.
    const foreign = await retire(b, k.kid);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual((await retire(b, ed25519().kid)).body);
    const [row] =
      await handle.sql`SELECT retired_at FROM release_keys WHERE tenant_id = ${a.tenantId} AND kid = ${k.kid}`;
    expect(row!.retired_at).toBeNull();

    expect((await retire(a, k.kid)).status).toBe(204);
    const [after] =
      await handle.sql`SELECT retired_at FROM release_keys WHERE tenant_id = ${a.tenantId} AND kid = ${k.kid}`;
    expect(after!.retired_at).not.toBeNull();
    // Retiring again keeps the first retirement's time.
    expect((await retire(a, k.kid)).status).toBe(204);
    const [again] =
      await handle.sql`SELECT retired_at FROM release_keys WHERE tenant_id = ${a.tenantId} AND kid = ${k.kid}`;
    expect(again!.retired_at).toEqual(after!.retired_at);

    const bad = await retire(a, "../x");
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(["path", "kid"]);
  });
});

describe("/customer/ota/settings", () => {
  it("requires signed firmware only with an unretired release key (409 otherwise), per tenant, set by admins", async () => {
    const t = await createTestTenant(handle, "rk-set");
    const viewerGet = await callAs(t, "viewer", settings.GET);
    expect(viewerGet).toMatchObject({ status: 200, body: { require_signed_firmware: false } });

    const none = await patchSettings(t, { require_signed_firmware: true });
    expect(none.status).toBe(409);
    expect(none.body.detail).toMatch(/Register a release key first/);

    const k = ed25519();
    await register(t, { name: "k", public_key: k.jwk });
    await retire(t, k.kid);
    // A retired key verifies nothing, so it does not count.
    expect((await patchSettings(t, { require_signed_firmware: true })).status).toBe(409);

    await register(t, { name: "k2", public_key: ed25519().jwk });
    expect((await patchSettings(t, { require_signed_firmware: true }, "operator")).status).toBe(403);
    expect((await patchSettings(t, { require_signed_firmware: true }, "viewer")).status).toBe(403);
    expect((await patchSettings(t, { require_signed_firmware: "yes" })).status).toBe(422);
    expect((await patchSettings(t, {})).status).toBe(422);
    const on = await patchSettings(t, { require_signed_firmware: true });
    expect(on).toMatchObject({ status: 200, body: { require_signed_firmware: true } });
    expect((await callAs(t, "viewer", settings.GET)).body).toEqual({ require_signed_firmware: true });
    // Another tenant's setting is its own.
    expect((await callAs(b, "viewer", settings.GET)).body).toEqual({ require_signed_firmware: false });

    const off = await patchSettings(t, { require_signed_firmware: false });
    expect(off).toMatchObject({ status: 200, body: { require_signed_firmware: false } });
    expect((await call(settings.GET, { headers: await authAs(t, "viewer") })).body.require_signed_firmware).toBe(false);
    expect((await call(settings.GET)).status).toBe(401);
  });
});
