import { authed } from "@/lib/http/handler";
import { parsePath, parseQuery } from "@/lib/http/parse";
import { listCampaignDevices } from "@/lib/ota/campaigns";
import { CampaignDevicesQuery, IdPath } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ req, params, principal, tenant }) => {
  const { id } = parsePath(params, IdPath);
  const q = parseQuery(req.url, CampaignDevicesQuery);
  return tenant((tx) => listCampaignDevices(tx, principal.tenantId, id, q));
});
