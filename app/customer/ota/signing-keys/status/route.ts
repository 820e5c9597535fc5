import { requireAuthSecret } from "@/lib/config";
import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { listSigningKeys } from "@/lib/ota/signing-keys";

export const GET = authed(routes.signingKeyStatus, async ({ principal, tenant }) =>
  tenant((tx) => listSigningKeys(tx, principal.tenantId, requireAuthSecret())),
);
