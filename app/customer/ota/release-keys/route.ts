import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { listReleaseKeys, registerReleaseKey } from "@/lib/ota/release-keys";

export const GET = authed(routes.releaseKeyList, async ({ principal, tenant }) =>
  tenant((tx) => listReleaseKeys(tx, principal.tenantId)),
);

export const POST = authed(routes.releaseKeyCreate, async ({ body, principal, tenant }) =>
  tenant((tx) => registerReleaseKey(tx, principal.tenantId, body, principal.email)),
);
