import { requireAuthSecret } from "@/lib/config";
import { credentialsJson } from "@/lib/http/credentials";
import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { createDevice } from "@/lib/ota/device-registration";
import { listDevices } from "@/lib/ota/devices";

export const GET = authed(routes.deviceList, async ({ query, principal, tenant }) =>
  tenant((tx) => listDevices(tx, principal.tenantId, query)),
);

export const POST = authed(routes.deviceCreate, async ({ body, principal, tenant }) => {
  const secret = requireAuthSecret();
  const created = await tenant((tx) => createDevice(tx, principal.tenantId, body, secret));
  return credentialsJson(routes.deviceCreate, created);
});
