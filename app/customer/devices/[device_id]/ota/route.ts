import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { deviceOtaHistory } from "@/lib/ota/devices";

export const GET = authed(routes.deviceOta, async ({ path, query, principal, tenant }) =>
  tenant((tx) => deviceOtaHistory(tx, principal.tenantId, path.device_id, query)),
);
