import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { firmwareDownloadLink } from "@/lib/ota/firmware";

/** A fresh signed download link for an operator: `{"url", "expires_at"}`. */
export const GET = authed(routes.firmwareDownloadUrl, async ({ path, principal, tenant }) =>
  tenant((tx) => firmwareDownloadLink(tx, principal.tenantId, path.id)),
);
