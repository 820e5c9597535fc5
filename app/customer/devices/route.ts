import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { createDevice, listDevices } from "@/lib/ota/devices";

export const GET = authed(routes.deviceList, async ({ query, principal, tenant }) =>
  tenant((tx) => listDevices(tx, principal.tenantId, query)),
);

export const POST = authed(routes.deviceCreate, async ({ body, principal, tenant }) =>
  tenant((tx) => createDevice(tx, principal.tenantId, body)),
);
