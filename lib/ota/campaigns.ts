import { and, count, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db/client";
import { firmwareVersions, otaCampaigns, type CampaignStatus } from "@/lib/db/schema";

/** Campaigns newest first, with their firmware version; `total` counts every match. */
export async function listCampaigns(
  tx: DbOrTx,
  tenantId: string,
  q: { status?: CampaignStatus; limit: number; offset: number },
) {
  const where = and(eq(otaCampaigns.tenantId, tenantId), q.status ? eq(otaCampaigns.status, q.status) : undefined);
  const [rows, [totals]] = await Promise.all([
    tx
      .select({ campaign: otaCampaigns, firmwareVersion: firmwareVersions.version })
      .from(otaCampaigns)
      .innerJoin(firmwareVersions, eq(firmwareVersions.id, otaCampaigns.firmwareVersionId))
      .where(where)
      .orderBy(desc(otaCampaigns.createdAt), desc(otaCampaigns.id))
      .limit(q.limit)
      .offset(q.offset),
    tx.select({ total: count() }).from(otaCampaigns).where(where),
  ]);
  return { rows, total: totals?.total ?? 0 };
}
