import { createPublicKey, verify } from "node:crypto";
import { z } from "zod";
import { verifyManifest, type ManifestClaims, type PublicJwk } from "@/lib/rollout/manifest";
import type { OtaCommandPayload } from "@/lib/rollout/protocol";

/**
 * What a device trusts, provisioned at the factory, and the checks it makes with it
 * before it downloads anything (docs/device-protocol.md, "The manifest"). A device
 * provisioned with nothing behaves as devices did before manifests existed: it is how
 * the older tests drive the open test broker, never how the demo or a real fleet runs.
 */
export interface DeviceTrust {
  /** The device's own MQTT password: it then connects as `{tenant}:{device}` (lib/mqtt/identity.ts). */
  password?: string;
  /** The tenant's command-signing keys: every command must carry a manifest that one of them signed. */
  jwks?: { keys: PublicJwk[] };
  /** The operator's release keys: every manifest must carry a release signature by one of them. */
  releaseKeys?: PublicJwk[];
}

export type CommandCheck = { ok: true; claims: ManifestClaims | null } | { ok: false; reason: string };

const ReleaseSignature = z.object({ kid: z.string().min(1), sig: z.string().min(1) });

/**
 * The checks before a download, in the protocol's order; the first that fails is the
 * FAILED report's `error`. `claims: null` means the device verifies nothing (no JWKS).
 */
export async function checkCommand(
  cmd: OtaCommandPayload,
  trust: DeviceTrust,
  me: { tenantId: string; deviceId: string; runningVersion: string | null; nowSeconds?: number },
): Promise<CommandCheck> {
  if (!trust.jwks) return { ok: true, claims: null };
  if (!cmd.manifest) return { ok: false, reason: "Manifest rejected: the command carries none" };
  const verified = await verifyManifest(cmd.manifest, trust.jwks, me);
  if (!verified.ok) return verified;
  const claims = verified.claims;

  // The command's own fields are unsigned: an attacker who rewrote one (a firmware_url
  // pointing elsewhere) but could not re-sign the manifest is caught here.
  const mismatch = (
    [
      ["campaign_id", claims.campaign_id, cmd.campaign_id],
      ["version", claims.version, cmd.version],
      ["sha256", claims.sha256?.toLowerCase(), cmd.checksum],
      ["url", claims.url, cmd.firmware_url],
      ["size", claims.size ?? null, cmd.size],
    ] as const
  ).find(([, signed, sent]) => signed !== sent);
  if (mismatch) {
    const [field] = mismatch;
    const sent = field === "sha256" ? "checksum" : field === "url" ? "firmware_url" : field;
    return { ok: false, reason: `Manifest rejected: ${field} differs from the command's ${sent}` };
  }

  if (me.runningVersion !== null && compareVersions(claims.version, me.runningVersion) < 0 && !claims.downgrade) {
    return {
      ok: false,
      reason: `Manifest rejected: downgrade from ${me.runningVersion} to ${claims.version} is not marked as intended`,
    };
  }

  if (trust.releaseKeys) {
    const reason = checkReleaseSignature(claims, trust.releaseKeys);
    if (reason) return { ok: false, reason };
  }
  return { ok: true, claims };
}

/**
 * The operator's release signature: Ed25519 over the 64 lowercase hex characters of the
 * image's SHA-256, as ASCII, by one of the release keys the device carries. Null when it
 * holds; otherwise the reason.
 */
export function checkReleaseSignature(claims: ManifestClaims, releaseKeys: PublicJwk[]): string | null {
  const release = ReleaseSignature.safeParse((claims as { release?: unknown }).release);
  if (!release.success) return "Release signature rejected: the manifest carries none";
  const jwk = releaseKeys.find((k) => k.kid === release.data.kid);
  if (!jwk) return `Release signature rejected: signed by unknown key ${JSON.stringify(release.data.kid)}`;
  try {
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
    const data = Buffer.from(claims.sha256.toLowerCase(), "ascii");
    if (verify(null, data, key, Buffer.from(release.data.sig, "base64url"))) return null;
  } catch {
    // A malformed key or signature is a bad signature.
  }
  return "Release signature rejected: bad signature";
}

/**
 * Orders firmware versions: dot-separated parts compared one by one, numerically when
 * both parts are digits ("1.10.0" > "1.9.0"), otherwise as strings (code-unit order, so
 * "1.2.0-rc1" > "1.2.0"); a missing part counts as "0" ("1.2" = "1.2.0"). Negative when
 * `a` is older than `b`.
 */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".");
  const pb = b.split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "0";
    const y = pb[i] ?? "0";
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      const d = BigInt(x) - BigInt(y);
      if (d !== 0n) return d < 0n ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
