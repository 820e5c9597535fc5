import { authed } from "@/lib/http/handler";
import { parseJsonBody, parseQuery } from "@/lib/http/parse";
import { createDevice, listDevices } from "@/lib/ota/devices";
import { DeviceCreate, DeviceListQuery } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ req, principal, tenant }) => {
  const q = parseQuery(req.url, DeviceListQuery);
  return tenant((tx) => listDevices(tx, principal.tenantId, q));
});

export const POST = authed({ role: "operator", status: 201 }, async ({ req, principal, tenant }) => {
  const body = await parseJsonBody(req, DeviceCreate);
  return tenant((tx) => createDevice(tx, principal.tenantId, body));
});
