import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { compactVerify, importJWK, type JWK } from "jose";

/**
 * The signed update manifest: a JWS in compact serialisation, `alg: EdDSA` with
 * Ed25519, the signing key's id in the header, whose payload says which image a device
 * may install. A device installs only
 * what a valid, unexpired manifest addressed to itself names, and only bytes whose
 * SHA-256 matches it. Any JOSE library verifies it; `verifyManifest` below does it the
 * way a device should, with jose, and says which check failed.
 *
 * Signing is by hand with node:crypto (synchronous, no JSON canonicalisation needed: the
 * bytes signed are the bytes sent), because the worker signs one manifest per device
 * commanded, at tens of thousands a second (`manifestsFor`). The worker puts one in every
 * command (lib/rollout/dispatch.ts), signed with the tenant's active key
 * (lib/ota/signing-keys.ts), whose JWKS GET /customer/ota/signing-keys serves.
 */

export interface ManifestClaims {
  tenant_id: string;
  device_id: string;
  campaign_id: number;
  version: string;
  /** SHA-256 of the image, lowercase hex. */
  sha256: string;
  size: number | null;
  url: string;
  /** Issued at and expires at, in seconds since the epoch (JWT style). */
  iat: number;
  exp: number;
  /** Set only when installing an older version is intended (a rollback). */
  downgrade?: boolean;
  /**
   * The operator's own release signature of the image, passed through as registered
   * (firmware_versions.release_kid / release_signature): base64url Ed25519 over the 64
   * lowercase hex characters of `sha256`, for a device with the release key baked in.
   */
  release?: { kid: string; sig: string };
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A public key as a device is provisioned with it: one entry of a JWKS. */
export interface PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  kid: string;
  x: string;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString("base64url");

/** The RFC 7638 thumbprint of an Ed25519 public key: a stable key id derived from the key alone. */
export function thumbprint(publicKey: KeyObject): string {
  const { x } = publicKey.export({ format: "jwk" }) as { x: string };
  // RFC 7638: the required members in lexicographic order, no whitespace.
  return b64url(createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest());
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return { kid: thumbprint(publicKey), privateKey, publicKey };
}

export function publicJwk(key: Pick<SigningKey, "kid" | "publicKey">): PublicJwk {
  const { x } = key.publicKey.export({ format: "jwk" }) as { x: string };
  return { kty: "OKP", crv: "Ed25519", kid: key.kid, x };
}

export function signManifest(claims: ManifestClaims, key: Pick<SigningKey, "kid" | "privateKey">): string {
  const { device_id, ...common } = claims;
  return manifestsFor(common, key)([device_id])[0]!;
}

/**
 * The signer of one command's manifests, one per device: everything but `device_id` is
 * serialised once here; each device's claims are spliced in and signed synchronously. The
 * signature (~35 µs) is nearly all of the cost. Signing on libuv's thread pool instead
 * (crypto.sign with a callback) measured no better on this 2-core machine, where PostgreSQL
 * and the broker already use the other core (docs/performance.md, "Signed dispatch").
 */
export function manifestsFor(
  common: Omit<ManifestClaims, "device_id">,
  key: Pick<SigningKey, "kid" | "privateKey">,
): (deviceIds: readonly string[]) => string[] {
  const inputOf = manifestInputs(common, key);
  return (deviceIds) =>
    deviceIds.map((deviceId) => {
      const input = inputOf(deviceId);
      return `${input}.${sign(null, Buffer.from(input, "latin1"), key.privateKey).toString("base64url")}`;
    });
}

/** The JWS signing input (`header.payload`) of each device's manifest, the common parts serialised once. */
function manifestInputs(
  common: Omit<ManifestClaims, "device_id">,
  key: Pick<SigningKey, "kid">,
): (deviceId: string) => string {
  const header = `${b64url(JSON.stringify({ alg: "EdDSA", kid: key.kid, typ: "flotilla-manifest+jws" }))}.`;
  const { tenant_id, ...rest } = common;
  const head = `{"tenant_id":${JSON.stringify(tenant_id)},"device_id":`;
  const tail = `,${JSON.stringify(rest).slice(1)}`;
  return (deviceId) => header + Buffer.from(head + JSON.stringify(deviceId) + tail).toString("base64url");
}

export type ManifestCheck = { ok: true; claims: ManifestClaims } | { ok: false; reason: string };

/**
 * What a device checks before it downloads: the signature against the keys it was
 * provisioned with (found by `kid`), that the manifest is addressed to this device of
 * this tenant, and that it has not expired. Each refusal names the check that failed, as
 * the `error` of the FAILED report.
 */
export async function verifyManifest(
  jws: string,
  keys: { keys: PublicJwk[] },
  me: { tenantId: string; deviceId: string; nowSeconds?: number },
): Promise<ManifestCheck> {
  let kid: unknown;
  try {
    kid = JSON.parse(Buffer.from(jws.split(".")[0] ?? "", "base64url").toString("utf8")).kid;
  } catch {
    return { ok: false, reason: "Manifest rejected: not a JWS" };
  }
  const jwk = keys.keys.find((k) => k.kid === kid);
  if (!jwk) return { ok: false, reason: `Manifest rejected: signed by unknown key ${JSON.stringify(kid)}` };
  let claims: ManifestClaims;
  try {
    const key = await importJWK(jwk as JWK, "EdDSA");
    const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ["EdDSA"] });
    if (protectedHeader.kid !== jwk.kid) return { ok: false, reason: "Manifest rejected: key id changed" };
    claims = JSON.parse(new TextDecoder().decode(payload)) as ManifestClaims;
  } catch {
    return { ok: false, reason: "Manifest rejected: bad signature" };
  }
  if (claims.tenant_id !== me.tenantId || claims.device_id !== me.deviceId) {
    return {
      ok: false,
      reason: `Manifest rejected: addressed to ${claims.tenant_id}/${claims.device_id}, not this device`,
    };
  }
  const now = me.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (!(typeof claims.exp === "number" && now < claims.exp)) {
    return { ok: false, reason: `Manifest rejected: expired at ${new Date(claims.exp * 1000).toISOString()}` };
  }
  return { ok: true, claims };
}

/** What a device checks after it downloads: the bytes are the image the manifest names. */
export function checkImage(claims: Pick<ManifestClaims, "sha256">, sha256OfBytes: string): string | null {
  return sha256OfBytes.toLowerCase() === claims.sha256.toLowerCase()
    ? null
    : `Image rejected: SHA-256 ${sha256OfBytes} does not match the manifest's ${claims.sha256}`;
}
