import { authed } from "@/lib/http/handler";
import { parseJsonBody, parseQuery } from "@/lib/http/parse";
import { webDb } from "@/lib/db/web";
import { createCampaign, listCampaigns, refreshStatisticsAfterCreate } from "@/lib/ota/campaigns";
import { CampaignCreate, CampaignListQuery } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ req, principal, tenant }) => {
  const q = parseQuery(req.url, CampaignListQuery);
  return tenant((tx) => listCampaigns(tx, principal.tenantId, q));
});

export const POST = authed({ role: "operator", status: 201 }, async ({ req, principal, tenant }) => {
  const body = await parseJsonBody(req, CampaignCreate);
  const campaign = await tenant((tx) => createCampaign(tx, principal.tenantId, body, principal.email));
  refreshStatisticsAfterCreate(webDb().db, campaign.total_devices);
  return campaign;
});
