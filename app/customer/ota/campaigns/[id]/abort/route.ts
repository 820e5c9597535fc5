import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { transitionCampaign } from "@/lib/ota/campaigns";
import { IdPath } from "@/lib/ota/schemas";

export const POST = authed({ role: "operator" }, async ({ params, principal, tenant }) => {
  const { id } = parsePath(params, IdPath);
  return tenant((tx) => transitionCampaign(tx, principal.tenantId, id, "abort", principal.email));
});
