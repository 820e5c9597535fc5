import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { listCampaignDevices } from "@/lib/ota/campaigns";

export const GET = authed(routes.campaignDevices, async ({ path, query, principal, tenant }) =>
  tenant((tx) => listCampaignDevices(tx, principal.tenantId, path.id, query)),
);
