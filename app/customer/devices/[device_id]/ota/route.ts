import { authed } from "@/lib/http/handler";
import { parsePath, parseQuery } from "@/lib/http/parse";
import { deviceOtaHistory } from "@/lib/ota/devices";
import { DevicePath, Pagination } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ req, params, principal, tenant }) => {
  const { device_id } = parsePath(params, DevicePath);
  const q = parseQuery(req.url, Pagination);
  return tenant((tx) => deviceOtaHistory(tx, principal.tenantId, device_id, q));
});
