import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { firmwareJson, getFirmware } from "@/lib/ota/firmware";
import { deleteFirmwareAndFile } from "@/lib/ota/firmware-files";

export const GET = authed(routes.firmwareGet, async ({ path, principal, tenant }) =>
  firmwareJson(await tenant((tx) => getFirmware(tx, principal.tenantId, path.id))),
);

export const DELETE = authed(routes.firmwareDelete, async ({ path, principal, tenant }) => {
  await deleteFirmwareAndFile(tenant, principal.tenantId, path.id);
});
