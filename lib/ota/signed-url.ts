import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Download URLs for devices: `/firmware/{id}/download?exp=…&sig=…`, an HMAC over the
 * firmware id and the expiry. Devices hold no user credentials, so the URL itself is
 * the permission, and it expires. The key is derived from AUTH_SECRET with a purpose
 * label, so that it can sign nothing but downloads.
 */
export const firmwareDownloadPath = (firmwareId: number) => `/firmware/${firmwareId}/download`;

const key = (secret: string) => createHmac("sha256", secret).update("flotilla:firmware-download:v1").digest();

function signature(firmwareId: number, exp: number, secret: string): string {
  return createHmac("sha256", key(secret)).update(`${firmwareId}.${exp}`).digest("base64url");
}

export function signDownloadUrl(firmwareId: number, expiresAt: Date, secret: string): string {
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${firmwareDownloadPath(firmwareId)}?exp=${exp}&sig=${signature(firmwareId, exp, secret)}`;
}

/** True only for an unexpired URL signed with this secret for this firmware. */
export function verifyDownloadSignature(
  firmwareId: number,
  exp: string | null,
  sig: string | null,
  secret: string,
  now = new Date(),
): boolean {
  if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return false;
  const expSeconds = Number(exp);
  if (expSeconds * 1000 <= now.getTime()) return false;
  const expected = Buffer.from(signature(firmwareId, expSeconds, secret));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
