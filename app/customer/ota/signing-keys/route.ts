import { requireAuthSecret } from "@/lib/config";
import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { stageSigningKey, tenantJwks } from "@/lib/ota/signing-keys";

export const GET = authed(routes.signingKeyList, async ({ principal, tenant }) =>
  tenant((tx) => tenantJwks(tx, principal.tenantId, requireAuthSecret())),
);

export const POST = authed(routes.signingKeyStage, async ({ principal, tenant }) =>
  tenant((tx) => stageSigningKey(tx, principal.tenantId, requireAuthSecret())),
);
