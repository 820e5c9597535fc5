import { authed } from "@/lib/http/handler";
import { parseJsonBody } from "@/lib/http/parse";
import { previewCampaign } from "@/lib/ota/campaigns";
import { CampaignPreviewBody } from "@/lib/ota/schemas";

/** A dry run of campaign creation: who would be updated, who skipped and why. Changes nothing. */
export const POST = authed({}, async ({ req, principal, tenant }) => {
  const body = await parseJsonBody(req, CampaignPreviewBody);
  return tenant((tx) => previewCampaign(tx, principal.tenantId, body));
});
