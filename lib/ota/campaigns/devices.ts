import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db/client";
import { otaCampaigns, otaDeviceStatus } from "@/lib/db/schema";
import { NotFound } from "@/lib/errors";
import type { CampaignDevicesQuery } from "../schemas";
import { breakdown, campaignDeviceJson } from "./json";

/**
 * `GET /customer/ota/campaigns/{id}/devices`: ordered by (created_at, id) so that pages
 * never overlap; each page is a range of an index. The total comes from the campaign's
 * counters, not a count of its rows: the same cost at 15 devices and at 1,000,000.
 */
export async function listCampaignDevices(tx: DbOrTx, tenantId: string, id: number, q: CampaignDevicesQuery) {
  const [campaign] = await tx
    .select()
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id)));
  if (!campaign) throw new NotFound("Campaign not found");
  const counts = breakdown(campaign);
  const total = q.status ? counts[q.status] : Object.values(counts).reduce((a, n) => a + n, 0);
  const rows = await tx
    .select()
    .from(otaDeviceStatus)
    .where(
      and(
        eq(otaDeviceStatus.tenantId, tenantId),
        eq(otaDeviceStatus.campaignId, id),
        q.status ? eq(otaDeviceStatus.status, q.status) : undefined,
      ),
    )
    .orderBy(asc(otaDeviceStatus.createdAt), asc(otaDeviceStatus.id))
    .limit(q.limit)
    .offset(q.offset);
  return { campaign_id: id, devices: rows.map(campaignDeviceJson), total, limit: q.limit, offset: q.offset };
}
