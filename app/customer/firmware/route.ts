import { config, firmwareDir } from "@/lib/config";
import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { receiveFirmwareUpload } from "@/lib/http/upload";
import { createFirmware, listFirmware } from "@/lib/ota/firmware";
import { createUploadedFirmware } from "@/lib/ota/firmware-files";

export const GET = authed(routes.firmwareList, async ({ query, principal, tenant }) =>
  tenant((tx) => listFirmware(tx, principal.tenantId, query)),
);

/** JSON registers firmware by URL; multipart/form-data uploads the binary for Flotilla to store. */
export const POST = authed(routes.firmwareCreate, async ({ req, body, principal, tenant }) => {
  if (body) return tenant((tx) => createFirmware(tx, principal.tenantId, body, principal.email));
  const upload = await receiveFirmwareUpload(req, firmwareDir(), config().MAX_UPLOAD_BYTES);
  return createUploadedFirmware(tenant, principal.tenantId, upload, principal.email);
});
