import { config, firmwareDir } from "@/lib/config";
import { authed } from "@/lib/http/handler";
import { parseJsonBody, parseQuery } from "@/lib/http/parse";
import { createFirmware, createStoredFirmware, listFirmware } from "@/lib/ota/firmware";
import { FirmwareCreate, FirmwareListQuery } from "@/lib/ota/schemas";
import { removeStored } from "@/lib/ota/storage";
import { receiveFirmwareUpload } from "@/lib/ota/upload";

export const GET = authed({}, async ({ req, principal, tenant }) => {
  const q = parseQuery(req.url, FirmwareListQuery);
  return tenant((tx) => listFirmware(tx, principal.tenantId, q));
});

/** JSON registers firmware by URL; multipart/form-data uploads the binary for Flotilla to store. */
export const POST = authed({ role: "operator", status: 201 }, async ({ req, principal, tenant }) => {
  if (!req.headers.get("content-type")?.toLowerCase().startsWith("multipart/form-data")) {
    const body = await parseJsonBody(req, FirmwareCreate);
    return tenant((tx) => createFirmware(tx, principal.tenantId, body, principal.email));
  }
  const dir = firmwareDir();
  const { meta, stored } = await receiveFirmwareUpload(req, dir, config().MAX_UPLOAD_BYTES);
  try {
    return await tenant((tx) => createStoredFirmware(tx, principal.tenantId, meta, stored, principal.email));
  } catch (err) {
    await removeStored(dir, stored.key);
    throw err;
  }
});
