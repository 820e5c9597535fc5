import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { and, asc, eq, isNull } from "drizzle-orm";
import type { DbOrTx, Tx } from "@/lib/db/client";
import { releaseKeys, tenants } from "@/lib/db/schema";
import { Conflict, NotFound, ValidationFailed } from "@/lib/errors";
import { thumbprint, type PublicJwk } from "@/lib/rollout/manifest";
import type { OtaSettingsUpdate, ReleaseKeyCreate } from "./schemas";

/**
 * The operator's release keys: Ed25519 public keys whose private halves stay in the
 * operator's build pipeline (npm run sign-firmware, docs/release-signing.md). Firmware may
 * carry a detached release signature over its SHA-256 (the 64 lowercase hex characters, as
 * ASCII: a device can check it against the manifest's sha256 before it downloads a byte);
 * when the tenant requires signed firmware, it must. A key is never deleted, only retired, so
 * that the list still explains which key signed older firmware; a retired key verifies
 * nothing new.
 */

type ReleaseKeyRow = typeof releaseKeys.$inferSelect;

const invalidKey = (msg: string) => new ValidationFailed([{ loc: ["body", "public_key"], msg, type: "invalid_key" }]);

const PRIVATE_KEY =
  "is a private key: register only its public half (the JWK that `npm run sign-firmware -- --generate-key` prints)";

/**
 * The Ed25519 public key in a JWK (`{"kty": "OKP", "crv": "Ed25519", "x"}`) or a PEM SPKI
 * string, or a 422 at `public_key` that says what is wrong with it.
 */
export function parseReleasePublicKey(input: ReleaseKeyCreate["public_key"]): KeyObject {
  let key: KeyObject;
  if (typeof input === "string") {
    const pem = input.trim();
    if (pem.includes("PRIVATE KEY")) throw invalidKey(PRIVATE_KEY);
    if (!pem.startsWith("-----BEGIN PUBLIC KEY-----")) {
      throw invalidKey('must be a JWK object or a PEM public key ("-----BEGIN PUBLIC KEY-----", SPKI)');
    }
    try {
      key = createPublicKey({ key: pem, format: "pem" });
    } catch {
      throw invalidKey("is not a readable PEM public key (SPKI)");
    }
  } else {
    if ("d" in input) throw invalidKey(PRIVATE_KEY);
    if (input.kty !== "OKP") throw invalidKey(`kty must be "OKP" (an Ed25519 key), not ${JSON.stringify(input.kty)}`);
    if (input.crv !== "Ed25519") throw invalidKey(`crv must be "Ed25519", not ${JSON.stringify(input.crv)}`);
    if (typeof input.x !== "string" || !/^[A-Za-z0-9_-]{43}$/.test(input.x)) {
      throw invalidKey("x must be the 32-byte public key in base64url (43 characters)");
    }
    try {
      key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: input.x }, format: "jwk" });
    } catch {
      throw invalidKey("x is not a valid Ed25519 public key");
    }
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw invalidKey(`is a ${key.asymmetricKeyType ?? "unknown"} key: release keys must be Ed25519`);
  }
  // A kid the operator chose would not be the one devices see in manifests: refuse it rather
  // than answer with another.
  if (typeof input !== "string" && input.kid !== undefined && input.kid !== thumbprint(key)) {
    throw invalidKey(`kid ${JSON.stringify(input.kid)} is not this key's RFC 7638 thumbprint (${thumbprint(key)})`);
  }
  return key;
}

const jwkOf = (row: Pick<ReleaseKeyRow, "kid" | "publicX">): PublicJwk => ({
  kty: "OKP",
  crv: "Ed25519",
  kid: row.kid,
  x: row.publicX,
});

export function releaseKeyJson(row: ReleaseKeyRow) {
  return {
    kid: row.kid,
    name: row.name,
    public_key: jwkOf(row),
    created_at: row.createdAt.toISOString(),
    created_by: row.createdBy,
    retired_at: row.retiredAt?.toISOString() ?? null,
  };
}

/** Registers a release public key; 409 when the tenant has it already, retired or not. */
export async function registerReleaseKey(tx: Tx, tenantId: string, body: ReleaseKeyCreate, createdBy: string) {
  const key = parseReleasePublicKey(body.public_key);
  const kid = thumbprint(key);
  const { x } = key.export({ format: "jwk" }) as { x: string };
  const [row] = await tx
    .insert(releaseKeys)
    .values({ tenantId, kid, name: body.name, publicX: x, createdBy })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new Conflict(`This release key is already registered (kid ${kid})`);
  return releaseKeyJson(row);
}

/** Every release key of the tenant, retired ones too (with `retired_at`), oldest first. */
export async function listReleaseKeys(tx: DbOrTx, tenantId: string) {
  const rows = await tx
    .select()
    .from(releaseKeys)
    .where(eq(releaseKeys.tenantId, tenantId))
    .orderBy(asc(releaseKeys.createdAt), asc(releaseKeys.kid));
  return { release_keys: rows.map(releaseKeyJson) };
}

/**
 * Retires a key: it verifies no new firmware from now on. Retiring a retired key changes
 * nothing. Allowed even for the last key while signed firmware is required, because a
 * leaked key must be retired at once: uploads then wait for a new key.
 */
export async function retireReleaseKey(tx: Tx, tenantId: string, kid: string): Promise<void> {
  const [row] = await tx
    .select({ retiredAt: releaseKeys.retiredAt })
    .from(releaseKeys)
    .where(and(eq(releaseKeys.tenantId, tenantId), eq(releaseKeys.kid, kid)))
    .for("update");
  if (!row) throw new NotFound("Release key not found");
  if (row.retiredAt) return;
  await tx
    .update(releaseKeys)
    .set({ retiredAt: new Date() })
    .where(and(eq(releaseKeys.tenantId, tenantId), eq(releaseKeys.kid, kid)));
}

/**
 * The tenant's unretired keys, share-locked: a concurrent retirement waits for this
 * transaction, so a key is never retired while firmware it verified is still being written.
 */
function activeKeys(tx: Tx, tenantId: string) {
  return tx
    .select({ kid: releaseKeys.kid, publicX: releaseKeys.publicX })
    .from(releaseKeys)
    .where(and(eq(releaseKeys.tenantId, tenantId), isNull(releaseKeys.retiredAt)))
    .for("share");
}

export async function getOtaSettings(tx: DbOrTx, tenantId: string) {
  const [row] = await tx
    .select({ requireSignedFirmware: tenants.requireSignedFirmware })
    .from(tenants)
    .where(eq(tenants.tenantId, tenantId));
  if (!row) throw new NotFound("Tenant not found");
  return { require_signed_firmware: row.requireSignedFirmware };
}

/** Sets the tenant's OTA settings; requiring signed firmware needs a key to verify it with (409 otherwise). */
export async function updateOtaSettings(tx: Tx, tenantId: string, body: OtaSettingsUpdate) {
  if (body.require_signed_firmware && (await activeKeys(tx, tenantId)).length === 0) {
    throw new Conflict(
      "Register a release key first: with require_signed_firmware on, firmware must be signed by an unretired release key, and this tenant has none",
    );
  }
  const [row] = await tx
    .update(tenants)
    .set({ requireSignedFirmware: body.require_signed_firmware })
    .where(eq(tenants.tenantId, tenantId))
    .returning({ requireSignedFirmware: tenants.requireSignedFirmware });
  if (!row) throw new NotFound("Tenant not found");
  return { require_signed_firmware: row.requireSignedFirmware };
}

/** What firmware says about its release signature (the body's or metadata's fields). */
export interface ReleaseSignatureFields {
  release_signature?: string | null;
  release_kid?: string | null;
}

/** The columns to store: the signature and the key that verified it, or nulls for unsigned firmware. */
export interface ReleaseSignatureColumns {
  releaseSignature: string | null;
  releaseKid: string | null;
}

/**
 * Checks firmware's release signature against the image's SHA-256 (`sha256`: the uploaded
 * bytes' own, or the checksum a URL registration declares; null when it declares none).
 * A signature given is always verified, whether or not the tenant requires one; a missing
 * one is refused only when it does. `where` locates the 422 (["body"] or ["body", "metadata"]).
 */
export async function checkReleaseSignature(
  tx: Tx,
  tenantId: string,
  sha256: string | null,
  fields: ReleaseSignatureFields,
  where: string[],
): Promise<ReleaseSignatureColumns> {
  const refuse = (field: string, msg: string, type: string) =>
    new ValidationFailed([{ loc: [...where, field], msg, type }]);
  const signature = fields.release_signature ?? null;
  const kid = fields.release_kid ?? null;
  if (!signature) {
    if (kid) throw refuse("release_kid", "names the key of a release_signature, but there is none", "missing");
    const { require_signed_firmware } = await getOtaSettings(tx, tenantId);
    if (require_signed_firmware) {
      throw refuse(
        "release_signature",
        "this tenant requires signed firmware: give release_signature, the image's SHA-256 signed with a release key (npm run sign-firmware)",
        "signature_required",
      );
    }
    return { releaseSignature: null, releaseKid: null };
  }
  if (!sha256) {
    throw refuse(
      "checksum_sha256",
      "is required with a release_signature: the signature signs the image's SHA-256",
      "missing",
    );
  }
  const keys = await activeKeys(tx, tenantId);
  const candidates = kid ? keys.filter((k) => k.kid === kid) : keys;
  if (kid && candidates.length === 0) {
    const [known] = await tx
      .select({ kid: releaseKeys.kid })
      .from(releaseKeys)
      .where(and(eq(releaseKeys.tenantId, tenantId), eq(releaseKeys.kid, kid)));
    throw refuse(
      "release_kid",
      known
        ? `release key ${kid} is retired: it no longer verifies new firmware`
        : `release key ${kid} is not registered`,
      "unknown_key",
    );
  }
  const message = Buffer.from(sha256.toLowerCase(), "ascii");
  const sig = Buffer.from(signature, "base64url");
  const match = candidates.find((k) =>
    verify(null, message, createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: k.publicX }, format: "jwk" }), sig),
  );
  if (!match) {
    throw refuse(
      "release_signature",
      kid
        ? `release signature does not verify against release key ${kid}`
        : keys.length
          ? "release signature does not verify against any release key"
          : "release signature does not verify against any release key: this tenant has no unretired release key",
      "signature_invalid",
    );
  }
  return { releaseSignature: signature, releaseKid: match.kid };
}
