import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { deleteDevice, getDevice } from "@/lib/ota/devices";

export const GET = authed(routes.deviceGet, async ({ path, principal, tenant }) =>
  tenant((tx) => getDevice(tx, principal.tenantId, path.device_id)),
);

export const DELETE = authed(routes.deviceDelete, async ({ path, principal, tenant }) => {
  await tenant((tx) => deleteDevice(tx, principal.tenantId, path.device_id));
});
