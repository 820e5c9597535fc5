import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { getOtaSettings, updateOtaSettings } from "@/lib/ota/release-keys";

export const GET = authed(routes.otaSettingsGet, async ({ principal, tenant }) =>
  tenant((tx) => getOtaSettings(tx, principal.tenantId)),
);

export const PATCH = authed(routes.otaSettingsUpdate, async ({ body, principal, tenant }) =>
  tenant((tx) => updateOtaSettings(tx, principal.tenantId, body)),
);
