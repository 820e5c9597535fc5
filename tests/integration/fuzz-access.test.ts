/**
 * Fuzz of who sends a request and which ids it names: junk credentials in headers and
 * cookies (401), a still-valid token of a deleted tenant (no write), the other tenant's
 * ids (404, as if missing), the guards on the arranged data that keep the random
 * requests of fuzz-routes.test.ts from changing it (409, 400, 404, 403, and 422 for
 * release keys that are not Ed25519 public keys), and the broker hooks' own secret (401). Each answer must
 * keep the rules in tests/support/fuzz-send.ts, and the arranged data must be unchanged
 * afterwards. Reproduce a run with
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz-access.test.ts
 */
import { generateKeyPairSync } from "node:crypto";
import { it } from "vitest";
import { deviceMqttIdentity } from "@/lib/mqtt/identity";
import { generateSigningKey, publicJwk } from "@/lib/rollout/manifest";
import {
  a,
  A_DEVICES,
  A_GROUP,
  actorHeaders,
  B_DEVICE,
  B_GROUP,
  ids,
  junkAuth,
  kids,
  releaseKeyA,
  staleAuth,
  UNKNOWN_KID,
} from "../support/fuzz-arrange";
import { describeFuzz } from "../support/fuzz-harness";
import { route, ROUTES } from "../support/fuzz-routes";
import { runCases, type Case } from "../support/fuzz-send";

/** A release key no tenant has: registering it would succeed. */
const freshReleaseKey = () => publicJwk(generateSigningKey());

/**
 * Each junk credential against reads, creates, deletes and the broker hooks: 401 every time.
 * The bodies would succeed (a brand-new device or key, a settings change that is allowed),
 * so that an accepted credential would show in the status, or in the database check.
 */
function authCases(): Case[] {
  const bodies: Record<string, unknown> = {
    "POST /customer/devices": { device_id: "fz-new-device" },
    "POST /customer/devices/bulk": { devices: [{ device_id: "fz-new-device" }] },
    "POST /customer/ota/release-keys": { name: "junk", public_key: freshReleaseKey() },
    "PATCH /customer/ota/settings": { require_signed_firmware: false },
    "POST /mqtt/auth": { clientid: "c", username: "u", password: "p" },
    "POST /mqtt/acl": { clientid: "c", username: "u", topic: "t", action: "publish" },
  };
  const targets = [
    route("GET /customer/devices"),
    route("POST /customer/devices"),
    route("DELETE /customer/devices/[device_id]"),
    route("POST /customer/devices/[device_id]/credentials"),
    route("POST /customer/devices/bulk"),
    route("POST /customer/ota/campaigns/[id]/start"),
    route("DELETE /customer/ota/signing-keys/[kid]"),
    route("POST /customer/ota/release-keys"),
    route("PATCH /customer/ota/settings"),
    route("POST /mqtt/auth"),
    route("POST /mqtt/acl"),
  ];
  return junkAuth.flatMap(({ label, headers }) =>
    targets.map((r): Case => ({
      route: r,
      actor: "junk",
      note: label,
      params: r.paramNames.includes("id")
        ? { id: String(ids.guardCampaign) }
        : r.paramNames.includes("kid")
          ? { kid: kids.signingA[0]! }
          : r.paramNames.length
            ? { device_id: A_DEVICES[0]! }
            : {},
      query: "",
      headers: { ...headers },
      body: r.name in bodies ? JSON.stringify(bodies[r.name]) : undefined,
      expect: [401],
    })),
  );
}

/** The other tenant's ids answer like missing ones (404), for reads and writes alike. */
function crossTenantCases(): Case[] {
  const out: Case[] = [];
  for (const r of ROUTES.filter((x) => x.path.startsWith("/customer/") && x.paramNames.length)) {
    for (const [actor, own] of [
      ["admin", "B"],
      ["other", "A"],
    ] as const) {
      const params: Record<string, string> = {};
      for (const p of r.paramNames) {
        if (p === "id")
          params.id = String(
            r.path.includes("campaigns")
              ? own === "B"
                ? ids.campaignB
                : ids.doneCampaign
              : own === "B"
                ? ids.fwB
                : ids.fwUrl,
          );
        else if (p === "group_id") params.group_id = own === "B" ? B_GROUP : A_GROUP;
        else if (p === "kid")
          params.kid = r.path.includes("signing-keys")
            ? (own === "B" ? kids.signingB : kids.signingA)[0]!
            : own === "B"
              ? kids.releaseB
              : kids.releaseA;
        else params.device_id = own === "B" ? B_DEVICE : A_DEVICES[0]!;
      }
      const body = r.name.endsWith("/members")
        ? JSON.stringify({ device_ids: [own === "B" ? B_DEVICE : A_DEVICES[0]] })
        : undefined;
      out.push({
        route: r,
        actor,
        params,
        query: "",
        headers: body ? { "content-type": "application/json" } : {},
        body,
        expect: [404],
      });
    }
  }
  return out;
}

/** The arranged data refuses every change: the guards that make the random cases safe. */
function guardedCases(): Case[] {
  const admin = (name: string, params: Record<string, string>, expectStatus: number, body?: string): Case => ({
    route: route(name),
    actor: "admin",
    params,
    query: "",
    headers: body ? { "content-type": "application/json" } : {},
    body,
    expect: [expectStatus],
  });
  return [
    ...A_DEVICES.map((d) => admin("DELETE /customer/devices/[device_id]", { device_id: d }, 409)),
    admin("DELETE /customer/device-groups/[group_id]", { group_id: A_GROUP }, 409),
    admin("DELETE /customer/firmware/[id]", { id: String(ids.fwStored) }, 409),
    admin("DELETE /customer/firmware/[id]", { id: String(ids.fwUrl) }, 409),
    admin("POST /customer/ota/campaigns/[id]/start", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/pause", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/abort", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/pause", { id: String(ids.guardCampaign) }, 400),
    admin(
      "DELETE /customer/device-groups/[group_id]/members/[device_id]",
      { group_id: A_GROUP, device_id: "fz-missing" },
      404,
    ),
    admin("POST /customer/devices", {}, 409, JSON.stringify({ device_id: A_DEVICES[0] })),
    // All or nothing: the new device beside the existing one is not registered either.
    admin(
      "POST /customer/devices/bulk",
      {},
      409,
      JSON.stringify({ devices: [{ device_id: "fz-bulk-new" }, { device_id: A_DEVICES[1] }] }),
    ),
    admin(
      "POST /customer/devices/bulk",
      {},
      422,
      JSON.stringify({ devices: [{ device_id: "fz-bulk-new" }, { device_id: "fz-bulk-new" }] }),
    ),
    admin("POST /customer/devices/[device_id]/credentials", { device_id: "fz-missing" }, 404),
    {
      ...admin("POST /customer/devices/[device_id]/credentials", { device_id: A_DEVICES[0]! }, 403),
      actor: "viewer",
    },
    admin("POST /customer/device-groups", {}, 409, JSON.stringify({ group_id: A_GROUP, name: "x" })),
    admin(
      "POST /customer/firmware",
      {},
      409,
      JSON.stringify({ version: "1.0.0", device_type: "sensor", file_url: "https://example.test/x.bin" }),
    ),
    admin(
      "POST /customer/ota/campaigns",
      {},
      400,
      JSON.stringify({ name: "x", firmware_version_id: ids.fwStored, target_group_id: A_GROUP }),
    ),
    admin(
      "POST /customer/ota/campaigns",
      {},
      404,
      JSON.stringify({ name: "x", firmware_version_id: ids.fwB, target_group_id: A_GROUP }),
    ),
    admin(
      "POST /customer/device-groups/[group_id]/members",
      { group_id: A_GROUP },
      404,
      JSON.stringify({ device_ids: ["fz-missing"] }),
    ),
    { ...admin("DELETE /customer/devices/[device_id]", { device_id: A_DEVICES[0]! }, 403), actor: "viewer" },
    { ...admin("POST /customer/ota/campaigns/[id]/abort", { id: String(ids.guardCampaign) }, 403), actor: "viewer" },
    // Keys: only the guards' unknown kid is sent to be retired; an id is matched exactly.
    admin("DELETE /customer/ota/signing-keys/[kid]", { kid: UNKNOWN_KID }, 404),
    admin("DELETE /customer/ota/signing-keys/[kid]", { kid: swapCase(kids.signingA[0]!) }, 404),
    { ...admin("DELETE /customer/ota/signing-keys/[kid]", { kid: kids.signingA[0]! }, 403), actor: "viewer" },
    admin("DELETE /customer/ota/release-keys/[kid]", { kid: UNKNOWN_KID }, 404),
    admin("DELETE /customer/ota/release-keys/[kid]", { kid: swapCase(kids.releaseA) }, 404),
    admin("DELETE /customer/ota/release-keys/[kid]", { kid: `${kids.releaseA}A` }, 422),
    { ...admin("DELETE /customer/ota/release-keys/[kid]", { kid: kids.releaseA }, 403), actor: "viewer" },
    admin("POST /customer/ota/signing-keys", {}, 409),
    // Tenant A's own release key again, whichever way it is written: 409.
    ...[
      releaseKeyA.jwk,
      { kty: "OKP", crv: "Ed25519", x: releaseKeyA.jwk.x },
      releaseKeyA.pem,
      `\n${releaseKeyA.pem}\n`,
    ].map((key) =>
      admin("POST /customer/ota/release-keys", {}, 409, JSON.stringify({ name: "again", public_key: key })),
    ),
    {
      ...admin(
        "POST /customer/ota/release-keys",
        {},
        403,
        JSON.stringify({ name: "viewer", public_key: freshReleaseKey() }),
      ),
      actor: "viewer",
    },
    // Keys that are not an Ed25519 public key: 422, never stored.
    ...badReleaseKeys().map((key) =>
      admin("POST /customer/ota/release-keys", {}, 422, JSON.stringify({ name: "bad", public_key: key })),
    ),
    // No tenant has an unretired release key: signed firmware cannot be required.
    admin("PATCH /customer/ota/settings", {}, 409, JSON.stringify({ require_signed_firmware: true })),
    {
      ...admin("PATCH /customer/ota/settings", {}, 409, JSON.stringify({ require_signed_firmware: true })),
      actor: "other",
    },
    {
      ...admin("PATCH /customer/ota/settings", {}, 403, JSON.stringify({ require_signed_firmware: false })),
      actor: "viewer",
    },
  ];
}

const swapCase = (s: string) =>
  s.replace(/[a-z]/i, (ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()));

/** Public keys that must be refused (422): private halves, other algorithms, broken encodings, a kid that lies. */
function badReleaseKeys(): unknown[] {
  const ed = generateKeyPairSync("ed25519");
  const edJwk = ed.privateKey.export({ format: "jwk" });
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const x25519 = generateKeyPairSync("x25519");
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { x } = releaseKeyA.jwk;
  return [
    edJwk, // with "d": the private key
    ed.privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
    rsa.publicKey.export({ format: "pem", type: "spki" }).toString(),
    rsa.publicKey.export({ format: "jwk" }),
    x25519.publicKey.export({ format: "pem", type: "spki" }).toString(),
    x25519.publicKey.export({ format: "jwk" }),
    ec.publicKey.export({ format: "jwk" }),
    { kty: "OKP", crv: "Ed25519", x, kid: UNKNOWN_KID },
    { kty: "OKP", crv: "Ed25519", x: x.slice(1) },
    { kty: "OKP", crv: "Ed25519", x: `${x}A` },
    { kty: "OKP", crv: "Ed25519", x: "A".repeat(43).replace(/A$/, "!") },
    { kty: "OKP", crv: "Ed25519" },
    { kty: "okp", crv: "Ed25519", x },
    { crv: "Ed25519", x },
    {},
    "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----",
    "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF fuzz@example",
    x,
  ];
}

/**
 * The broker hooks answer only the broker: a user's token, or a secret that is almost
 * right, answers 401. With the secret, a body that is not JSON is a 400 and one that is
 * not the hook's shape a 422; a well-formed question gets its 200 answer (deny here).
 */
function hookCases(): Case[] {
  const secret = actorHeaders.hook.Authorization!.slice("Bearer ".length);
  const authBody = { clientid: "c", username: "u", password: "p" };
  const aclBody = { clientid: "c", username: "u", topic: "tenant/x/device/y/ota/status", action: "publish" };
  const out: Case[] = [];
  for (const [name, good] of [
    ["POST /mqtt/auth", authBody],
    ["POST /mqtt/acl", aclBody],
  ] as const) {
    const base = { route: route(name), params: {}, query: "", body: JSON.stringify(good) };
    for (const [note, headers] of [
      ["a user's token", actorHeaders.admin],
      ["a session cookie", actorHeaders.cookie],
      ["no credentials", {}],
      ["secret with a character more", { Authorization: `Bearer ${secret}x` }],
      ["secret with a character less", { Authorization: `Bearer ${secret.slice(0, -1)}` }],
      ["secret twice", { Authorization: `Bearer ${secret}${secret}` }],
      ["secret as Basic", { Authorization: `Basic ${secret}` }],
      ["secret without a scheme", { Authorization: secret }],
    ] as const)
      out.push({ ...base, actor: "junk", note, headers: { ...headers }, expect: [401] });
    const hook = (note: string, body: string, status: number): Case => ({
      ...base,
      actor: "hook",
      note,
      headers: { "content-type": "application/json" },
      body,
      expect: [status],
    });
    out.push(
      hook("well-formed", JSON.stringify(good), 200),
      hook("not JSON", "{", 400),
      hook("empty", "", 400),
      hook("empty object", "{}", 422),
      hook("array", "[]", 422),
      hook("NUL in a field", JSON.stringify({ ...good, clientid: "a\u0000b" }), 422),
      hook("number as clientid", JSON.stringify({ ...good, clientid: 1 }), 422),
    );
  }
  out.push({
    route: route("POST /mqtt/acl"),
    actor: "hook",
    note: "an action that is neither publish nor subscribe",
    params: {},
    query: "",
    headers: {},
    body: JSON.stringify({ ...aclBody, action: "all" }),
    expect: [422],
  });
  // A device of tenant A, named right, but with no credentials: deny (the verdict checks the answer).
  for (const password of ["", "x", "not-its-password"]) {
    const id = deviceMqttIdentity(a.tenantId, A_DEVICES[0]!);
    out.push({
      route: route("POST /mqtt/auth"),
      actor: "hook",
      note: `device without credentials, password ${JSON.stringify(password)}`,
      params: {},
      query: "",
      headers: {},
      body: JSON.stringify({ clientid: id, username: id, password }),
      expect: [200],
    });
  }
  return out;
}

/**
 * A still-valid token of a deleted tenant (tokens are stateless and live 12 hours): reads
 * may answer (empty) 2xx, but writes must be refused with a 4xx.
 */
function staleTokenCases(): Case[] {
  const post = (name: string, body: unknown): Case => ({
    route: route(name),
    actor: "junk",
    note: "token of a deleted tenant",
    params: {},
    query: "",
    headers: { ...staleAuth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return [
    { ...post("GET /customer/devices", {}), body: undefined, headers: { ...staleAuth } },
    post("POST /customer/devices", { device_id: "fz-stale-device" }),
    post("POST /customer/devices/bulk", { devices: [{ device_id: "fz-stale-device" }] }),
    post("POST /customer/device-groups", { group_id: "fz-stale-group", name: "stale" }),
    post("POST /customer/firmware", { version: "9.9.9", file_url: "https://example.test/stale.bin" }),
    post("POST /customer/ota/release-keys", { name: "stale", public_key: freshReleaseKey() }),
    post("PATCH /customer/ota/settings", { require_signed_firmware: false }),
  ];
}

describeFuzz("API fuzz, credentials and ids: a 4xx, never a 500, and nothing changed", () => {
  it("junk credentials (headers and cookies) answer 401", async () => {
    await runCases(authCases());
  });

  it("the other tenant's ids answer 404", async () => {
    await runCases(crossTenantCases());
  });

  it("the arranged data refuses every change (409, 400, 404, 403)", async () => {
    await runCases(guardedCases());
  });

  it("a token of a deleted tenant cannot write (4xx)", async () => {
    await runCases(staleTokenCases());
  });

  it("the MQTT hooks answer only the broker (401), and refuse what is not a hook's question (400, 422)", async () => {
    await runCases(hookCases());
  });
});
