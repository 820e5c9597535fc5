import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { createCampaign, listCampaigns } from "@/lib/ota/campaigns";
import { refreshStatisticsAfterCreate } from "@/lib/ota/statistics";

export const GET = authed(routes.campaignList, async ({ query, principal, tenant }) =>
  tenant((tx) => listCampaigns(tx, principal.tenantId, query)),
);

export const POST = authed(routes.campaignCreate, async ({ body, principal, tenant, afterCommit }) => {
  const campaign = await tenant((tx) => createCampaign(tx, principal.tenantId, body, principal.email));
  afterCommit((owner) => refreshStatisticsAfterCreate(owner, campaign.total_devices));
  return campaign;
});
