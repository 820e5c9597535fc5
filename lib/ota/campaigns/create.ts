import { and, count, eq, sql } from "drizzle-orm";
import { config } from "@/lib/config";
import type { DbOrTx, Tx } from "@/lib/db/client";
import { CAMPAIGN_CREATE_LOCK } from "@/lib/db/locks";
import { deviceGroupMembers, deviceGroups, firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import { BadRequest, NotFound } from "@/lib/errors";
import { canarySize } from "@/lib/rules/canary";
import { sqlLiterals } from "@/lib/rules/sql";
import { OPEN_CAMPAIGN_STATUSES } from "@/lib/rules/statuses";
import type { CampaignCreate, CampaignPreviewBody } from "../schemas";
import { getCampaign } from "./read";

type FirmwareRow = typeof firmwareVersions.$inferSelect;

/** The checks creation and preview share: firmware, group, members, checksum. */
async function checkedInputs(
  tx: DbOrTx,
  tenantId: string,
  body: { firmware_version_id: number; target_group_id: string },
) {
  const [fw] = await tx
    .select()
    .from(firmwareVersions)
    .where(and(eq(firmwareVersions.tenantId, tenantId), eq(firmwareVersions.id, body.firmware_version_id)));
  if (!fw) throw new NotFound("Firmware version not found");
  const [group] = await tx
    .select({ groupId: deviceGroups.groupId })
    .from(deviceGroups)
    .where(and(eq(deviceGroups.tenantId, tenantId), eq(deviceGroups.groupId, body.target_group_id)));
  if (!group) throw new NotFound("Device group not found");
  const [members] = await tx
    .select({ n: count() })
    .from(deviceGroupMembers)
    .where(and(eq(deviceGroupMembers.tenantId, tenantId), eq(deviceGroupMembers.groupId, body.target_group_id)));
  if (!members?.n) throw new BadRequest("Device group has no members");
  if (!fw.checksumSha256) throw new BadRequest("Firmware has no checksum");
  return { fw, members: members.n };
}

/**
 * Every member of the group with the reason it would be skipped (NULL: eligible):
 * incompatible type, already on the version, or already in another open campaign.
 * `exceptCampaign` is the campaign being created (its own rows do not make it busy).
 */
function memberDecisions(tenantId: string, groupId: string, fw: FirmwareRow, exceptCampaign: number) {
  return sql`
    members AS (
      SELECT m.device_id, d.device_type, d.fw_version
      FROM device_group_members m
      JOIN devices d ON d.tenant_id = m.tenant_id AND d.device_id = m.device_id
      WHERE m.tenant_id = ${tenantId} AND m.group_id = ${groupId}
    ),
    busy AS (
      SELECT s.device_id, min(s.campaign_id) AS campaign_id
      FROM ota_device_status s
      JOIN ota_campaigns c ON c.tenant_id = s.tenant_id AND c.id = s.campaign_id
      WHERE s.tenant_id = ${tenantId}
        AND c.id <> ${exceptCampaign}
        AND c.status IN (${sql.raw(sqlLiterals(OPEN_CAMPAIGN_STATUSES))})
        AND s.status <> 'SKIPPED'
        AND s.device_id IN (SELECT device_id FROM members)
      GROUP BY s.device_id
    ),
    decided AS (
      SELECT m.device_id,
        CASE
          WHEN ${fw.deviceType}::text IS NOT NULL AND m.device_type IS DISTINCT FROM ${fw.deviceType}::text
            THEN 'incompatible device type'
          WHEN m.fw_version = ${fw.version} THEN 'already up to date'
          WHEN b.campaign_id IS NOT NULL THEN 'in active campaign ' || b.campaign_id
        END AS reason
      FROM members m LEFT JOIN busy b ON b.device_id = m.device_id
    )`;
}

/**
 * `POST /customer/ota/campaigns/preview`: what creating this campaign would do, without
 * creating it: how many members, how many eligible, how many skipped and why, and the
 * canary wave's size. The same checks and the same decisions as creation.
 */
export async function previewCampaign(tx: DbOrTx, tenantId: string, body: CampaignPreviewBody) {
  const { fw, members } = await checkedInputs(tx, tenantId, body);
  const rows = await tx.execute<{ reason: string | null; n: number }>(sql`
    WITH ${memberDecisions(tenantId, body.target_group_id, fw, -1)}
    SELECT reason, count(*)::int AS n FROM decided GROUP BY reason ORDER BY reason NULLS FIRST`);
  const eligible = rows.find((r) => r.reason === null)?.n ?? 0;
  return {
    total_devices: members,
    eligible_devices: eligible,
    skipped: Object.fromEntries(rows.filter((r) => r.reason !== null).map((r) => [r.reason!, r.n])),
    canary_size: body.rollout_strategy === "canary" ? canarySize(eligible, body.canary_percent) : 0,
    tick_interval_ms: config().OTA_TICK_INTERVAL_MS,
  };
}

/**
 * `POST /customer/ota/campaigns`. Every member gets a row in one `INSERT … SELECT`:
 * PENDING if eligible, else SKIPPED with the reason. A wrong firmware can brick a
 * device, so firmware without a checksum is refused outright.
 */
export async function createCampaign(tx: Tx, tenantId: string, body: CampaignCreate, createdBy: string) {
  const { fw, members } = await checkedInputs(tx, tenantId, body);
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${CAMPAIGN_CREATE_LOCK}, hashtext(${tenantId}))`);
  const [campaign] = await tx
    .insert(otaCampaigns)
    .values({
      tenantId,
      name: body.name,
      firmwareVersionId: fw.id,
      targetGroupId: body.target_group_id,
      rolloutStrategy: body.rollout_strategy,
      rolloutRate: body.rollout_rate,
      abortThreshold: body.abort_threshold,
      canaryPercent: body.canary_percent,
      phase: body.rollout_strategy === "canary" ? "canary" : "rollout",
      abortMinDevices: body.abort_min_devices,
      deviceTimeoutSeconds: body.device_timeout_seconds,
      maxInFlight: body.max_in_flight ?? null,
      totalDevices: members,
      createdBy,
    })
    .returning();
  // Rows go in in device-id order, so that row ids (the dispatch order) follow device ids,
  // and a canary campaign flags its first canarySize(eligible, canary_percent) eligible
  // devices as the canary wave. The SQL repeats lib/rules/canary.ts (the count is known
  // only inside the statement); tests/integration/rules-sql.test.ts holds the two together.
  const isCanary = body.rollout_strategy === "canary";
  const result = await tx.execute<{ eligible: number; canary: number }>(sql`
    WITH ${memberDecisions(tenantId, body.target_group_id, fw, campaign!.id)},
    ranked AS (
      SELECT device_id, reason,
        row_number() OVER (PARTITION BY reason IS NULL ORDER BY device_id) AS rn,
        count(*) FILTER (WHERE reason IS NULL) OVER () AS eligible
      FROM decided
    ),
    inserted AS (
      INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status, error_message, completed_at, canary)
      SELECT ${tenantId}, ${campaign!.id}, device_id,
             CASE WHEN reason IS NULL THEN 'PENDING' ELSE 'SKIPPED' END,
             reason,
             CASE WHEN reason IS NULL THEN NULL ELSE now() END,
             ${isCanary} AND reason IS NULL AND rn <= greatest(1, ceil(eligible * ${body.canary_percent} / 100.0))
      FROM ranked
      ORDER BY device_id
      RETURNING status, canary
    )
    SELECT count(*) FILTER (WHERE status = 'PENDING')::int AS eligible,
           count(*) FILTER (WHERE canary)::int AS canary
    FROM inserted`);
  if (!result[0]?.eligible) throw new BadRequest("No eligible devices in group");
  await tx
    .update(otaCampaigns)
    .set({ eligibleDevices: result[0].eligible, canarySize: result[0].canary })
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, campaign!.id)));
  return getCampaign(tx, tenantId, campaign!.id);
}
