import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { retireSigningKey } from "@/lib/ota/signing-keys";

export const DELETE = authed(routes.signingKeyRetire, async ({ path, principal, tenant }) =>
  tenant((tx) => retireSigningKey(tx, principal.tenantId, path.kid)),
);
