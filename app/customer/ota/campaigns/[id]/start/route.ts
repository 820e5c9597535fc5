import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { transitionCampaign } from "@/lib/ota/campaigns";

export const POST = authed(routes.campaignStart, async ({ path, principal, tenant }) =>
  tenant((tx) => transitionCampaign(tx, principal.tenantId, path.id, "start", principal.email)),
);
