import { firmwareDir } from "@/lib/config";
import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { deleteFirmware, firmwareJson, getFirmware } from "@/lib/ota/firmware";
import { IdPath } from "@/lib/ota/schemas";
import { removeStored } from "@/lib/ota/storage";

export const GET = authed({}, async ({ params, principal, tenant }) => {
  const { id } = parsePath(params, IdPath);
  return firmwareJson(await tenant((tx) => getFirmware(tx, principal.tenantId, id)));
});

export const DELETE = authed({ role: "operator" }, async ({ params, principal, tenant }) => {
  const { id } = parsePath(params, IdPath);
  const storageKey = await tenant((tx) => deleteFirmware(tx, principal.tenantId, id));
  // Only after the row is gone for good: a rolled-back delete must still have its file.
  if (storageKey) await removeStored(firmwareDir(), storageKey);
  return new Response(null, { status: 204 });
});
