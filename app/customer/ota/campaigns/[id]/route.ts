import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { getCampaign } from "@/lib/ota/campaigns";

export const GET = authed(routes.campaignGet, async ({ path, principal, tenant }) =>
  tenant((tx) => getCampaign(tx, principal.tenantId, path.id)),
);
