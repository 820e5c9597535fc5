import { publicUrl, requireAuthSecret } from "@/lib/config";
import { BadRequest } from "@/lib/errors";
import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { getFirmware, OPERATOR_LINK_TTL_SECONDS } from "@/lib/ota/firmware";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { IdPath } from "@/lib/ota/schemas";

/** A fresh signed download link for an operator: `{"url", "expires_at"}`. */
export const GET = authed({}, async ({ params, principal, tenant }) => {
  const { id } = parsePath(params, IdPath);
  const fw = await tenant((tx) => getFirmware(tx, principal.tenantId, id));
  if (!fw.storageKey) throw new BadRequest("Firmware is registered by URL, not stored by Flotilla: use its file_url");
  const expiresAt = new Date(Date.now() + OPERATOR_LINK_TTL_SECONDS * 1000);
  return {
    url: `${publicUrl()}${signDownloadUrl(fw.id, expiresAt, requireAuthSecret())}`,
    expires_at: expiresAt.toISOString(),
  };
});
