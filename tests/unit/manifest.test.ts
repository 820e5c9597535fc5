import { createHash } from "node:crypto";
import { calculateJwkThumbprint, compactVerify, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import {
  checkImage,
  generateSigningKey,
  publicJwk,
  signManifest,
  verifyManifest,
  type ManifestClaims,
} from "@/lib/rollout/manifest";

const key = generateSigningKey();
const jwks = { keys: [publicJwk(key)] };
const now = 1_800_000_000;
const image = Buffer.from("firmware image bytes");
const sha256 = createHash("sha256").update(image).digest("hex");
const claims: ManifestClaims = {
  tenant_id: "acme",
  device_id: "dev-1",
  campaign_id: 7,
  version: "2.0.0",
  sha256,
  size: image.length,
  url: "http://127.0.0.1:3000/firmware/3/download?exp=1&sig=x",
  iat: now,
  exp: now + 3600,
};
const me = { tenantId: "acme", deviceId: "dev-1", nowSeconds: now + 60 };

describe("the signed update manifest", () => {
  it("is a standard JWS: jose verifies it with the JWKS entry, and the kid is the key's RFC 7638 thumbprint", async () => {
    const jws = signManifest(claims, key);
    const jwk = publicJwk(key);
    const { payload, protectedHeader } = await compactVerify(jws, await importJWK(jwk, "EdDSA"));
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", kid: key.kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(claims);
    expect(key.kid).toBe(await calculateJwkThumbprint(jwk));
    expect(jwk).toEqual({ kty: "OKP", crv: "Ed25519", kid: key.kid, x: expect.stringMatching(/^[\w-]{43}$/) });
  });

  it("is accepted by the device it is addressed to, before it expires", async () => {
    expect(await verifyManifest(signManifest(claims, key), jwks, me)).toEqual({ ok: true, claims });
  });

  it("is refused, saying why, when tampered, misaddressed, expired or signed by an unknown key", async () => {
    const jws = signManifest(claims, key);
    const [h, , s] = jws.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sha256: "0".repeat(64) })).toString("base64url")}.${s}`;
    expect(await verifyManifest(forged, jwks, me)).toEqual({ ok: false, reason: "Manifest rejected: bad signature" });
    expect(await verifyManifest(jws, jwks, { ...me, deviceId: "dev-2" })).toEqual({
      ok: false,
      reason: "Manifest rejected: addressed to acme/dev-1, not this device",
    });
    expect(await verifyManifest(jws, jwks, { ...me, tenantId: "globex" })).toMatchObject({ ok: false });
    expect(await verifyManifest(jws, jwks, { ...me, nowSeconds: claims.exp })).toEqual({
      ok: false,
      reason: `Manifest rejected: expired at ${new Date(claims.exp * 1000).toISOString()}`,
    });
    const other = generateSigningKey();
    expect(await verifyManifest(signManifest(claims, other), jwks, me)).toEqual({
      ok: false,
      reason: `Manifest rejected: signed by unknown key "${other.kid}"`,
    });
    // Another key under a known key id is a bad signature, not a pass.
    expect(
      await verifyManifest(signManifest(claims, { kid: key.kid, privateKey: other.privateKey }), jwks, me),
    ).toEqual({ ok: false, reason: "Manifest rejected: bad signature" });
    expect(await verifyManifest("not a jws", jwks, me)).toMatchObject({ ok: false });
  });

  it("names the image: bytes with another SHA-256 are refused", () => {
    expect(checkImage(claims, sha256.toUpperCase())).toBeNull();
    const wrong = createHash("sha256").update("other bytes").digest("hex");
    expect(checkImage(claims, wrong)).toBe(`Image rejected: SHA-256 ${wrong} does not match the manifest's ${sha256}`);
  });
});
