import { and, count, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db/client";
import { firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import { NotFound } from "@/lib/errors";
import type { CampaignListQuery } from "../schemas";
import { campaignJson } from "./json";

const firmwareOfCampaign = and(
  eq(firmwareVersions.tenantId, otaCampaigns.tenantId),
  eq(firmwareVersions.id, otaCampaigns.firmwareVersionId),
);

/** `GET /customer/ota/campaigns`: newest first; `total` counts every match; a breakdown on each item. */
export async function listCampaigns(tx: DbOrTx, tenantId: string, q: CampaignListQuery) {
  const where = and(eq(otaCampaigns.tenantId, tenantId), q.status ? eq(otaCampaigns.status, q.status) : undefined);
  const [rows, [totals]] = await Promise.all([
    tx
      .select({ c: otaCampaigns, version: firmwareVersions.version, deviceType: firmwareVersions.deviceType })
      .from(otaCampaigns)
      .innerJoin(firmwareVersions, firmwareOfCampaign)
      .where(where)
      .orderBy(desc(otaCampaigns.createdAt), desc(otaCampaigns.id))
      .limit(q.limit)
      .offset(q.offset),
    tx.select({ total: count() }).from(otaCampaigns).where(where),
  ]);
  return {
    campaigns: rows.map((r) => campaignJson(r.c, r)),
    total: totals?.total ?? 0,
  };
}

/** `GET /customer/ota/campaigns/{id}`: with the firmware's version, URL, checksum and type. */
export async function getCampaign(tx: DbOrTx, tenantId: string, id: number) {
  const [row] = await tx
    .select({ c: otaCampaigns, fw: firmwareVersions })
    .from(otaCampaigns)
    .innerJoin(firmwareVersions, firmwareOfCampaign)
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id)));
  if (!row) throw new NotFound("Campaign not found");
  return campaignJson(row.c, row.fw);
}
