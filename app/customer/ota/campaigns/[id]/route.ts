import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { getCampaign } from "@/lib/ota/campaigns";
import { IdPath } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ params, principal, tenant }) => {
  const { id } = parsePath(params, IdPath);
  return tenant((tx) => getCampaign(tx, principal.tenantId, id));
});
