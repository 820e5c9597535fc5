import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { activateSigningKey } from "@/lib/ota/signing-keys";

export const POST = authed(routes.signingKeyActivate, async ({ path, principal, tenant }) =>
  tenant((tx) => activateSigningKey(tx, principal.tenantId, path.kid)),
);
