import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { previewCampaign } from "@/lib/ota/campaigns";

/** A dry run of campaign creation: who would be updated, who skipped and why. Changes nothing. */
export const POST = authed(routes.campaignPreview, async ({ body, principal, tenant }) =>
  tenant((tx) => previewCampaign(tx, principal.tenantId, body)),
);
