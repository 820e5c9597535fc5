import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { retireReleaseKey } from "@/lib/ota/release-keys";

export const DELETE = authed(routes.releaseKeyRetire, async ({ path, principal, tenant }) => {
  await tenant((tx) => retireReleaseKey(tx, principal.tenantId, path.kid));
});
