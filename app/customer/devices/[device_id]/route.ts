import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { deleteDevice, getDevice } from "@/lib/ota/devices";
import { DevicePath } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ params, principal, tenant }) => {
  const { device_id } = parsePath(params, DevicePath);
  return tenant((tx) => getDevice(tx, principal.tenantId, device_id));
});

export const DELETE = authed({ role: "operator" }, async ({ params, principal, tenant }) => {
  const { device_id } = parsePath(params, DevicePath);
  await tenant((tx) => deleteDevice(tx, principal.tenantId, device_id));
  return new Response(null, { status: 204 });
});
