import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  randomBytes,
} from "node:crypto";
import { thumbprint, type SigningKey } from "@/lib/rollout/manifest";

/**
 * A tenant's command-signing private key (lib/ota/signing-keys.ts) is kept encrypted at
 * rest: AES-256-GCM under a key derived from AUTH_SECRET (HKDF-SHA256, its own purpose
 * label, so the derived key encrypts nothing else), with the row's tenant and kid as
 * associated data, so that a ciphertext copied into another row does not decrypt. A
 * database dump alone signs nothing.
 */

/** Raised when a stored private key does not decrypt: AUTH_SECRET changed, or the row was altered. */
export class SigningKeyUnreadable extends Error {}

const FORMAT = "v1.";
const HKDF_INFO = "flotilla:tenant-signing-key:v1";

const derived = new Map<string, Buffer>();
function keyFrom(authSecret: string): Buffer {
  let key = derived.get(authSecret);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", authSecret, Buffer.alloc(0), HKDF_INFO, 32));
    derived.set(authSecret, key);
  }
  return key;
}

const aad = (tenantId: string, kid: string) => Buffer.from(`${tenantId}\0${kid}`);

/** `v1.` + base64url(iv ‖ tag ‖ ciphertext) of the PKCS#8 DER. */
export function encryptPrivateKey(key: SigningKey, tenantId: string, authSecret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyFrom(authSecret), iv).setAAD(aad(tenantId, key.kid));
  const der = key.privateKey.export({ format: "der", type: "pkcs8" });
  const body = Buffer.concat([cipher.update(der), cipher.final()]);
  return FORMAT + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function decryptPrivateKey(
  stored: string,
  tenantId: string,
  kid: string,
  authSecret: string,
): Pick<SigningKey, "kid" | "privateKey"> {
  const unreadable = (why: string) =>
    new SigningKeyUnreadable(
      `The command-signing key ${kid} of tenant ${tenantId} cannot be used: ${why}. ` +
        "Restore the AUTH_SECRET it was created under, or stage and activate a new key for the tenant " +
        "(the old one is then useless).",
    );
  if (!stored.startsWith(FORMAT)) throw unreadable("unknown storage format");
  const raw = Buffer.from(stored.slice(FORMAT.length), "base64url");
  let der: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFrom(authSecret), raw.subarray(0, 12))
      .setAAD(aad(tenantId, kid))
      .setAuthTag(raw.subarray(12, 28));
    der = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch {
    throw unreadable("it does not decrypt under this AUTH_SECRET (changed since the key was created?)");
  }
  const privateKey = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  // The key id is the public key's thumbprint: a mismatch means a row put together from two keys.
  if (thumbprint(createPublicKey(privateKey)) !== kid) throw unreadable("it is not the key its id names");
  return { kid, privateKey };
}
