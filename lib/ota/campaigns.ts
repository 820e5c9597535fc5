import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import { config } from "@/lib/config";
import type { DbOrTx, Tx } from "@/lib/db/client";
import {
  deviceGroupMembers,
  deviceGroups,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
  type CampaignStatus,
  type DeviceStatus,
} from "@/lib/db/schema";
import { BadRequest, InvalidTransition, NotFound } from "@/lib/errors";
import { iso } from "./json";
import type { CampaignCreate, CampaignDevicesQuery, CampaignListQuery, CampaignPreviewBody } from "./schemas";

type CampaignRow = typeof otaCampaigns.$inferSelect;
type Breakdown = Record<DeviceStatus, number>;

/** Every device status, zeros included, from the campaign's own counters: O(1) at any fleet size. */
function breakdown(c: CampaignRow): Breakdown {
  return {
    PENDING: c.pending,
    DOWNLOADING: c.downloading,
    INSTALLING: c.installing,
    SUCCESS: c.succeeded,
    FAILED: c.failed,
    SKIPPED: c.skipped,
  };
}

/** The seed's campaign shape, plus the breakdown and the rollout engine's fields. */
function campaignJson(
  c: CampaignRow,
  fw: { version: string; deviceType: string | null; fileUrl?: string; checksumSha256?: string | null },
) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    rollout_strategy: c.rolloutStrategy,
    rollout_rate: c.rolloutRate,
    abort_threshold: c.abortThreshold,
    total_devices: c.totalDevices,
    succeeded: c.succeeded,
    failed: c.failed,
    target_group_id: c.targetGroupId,
    firmware_version_id: c.firmwareVersionId,
    firmware_version: fw.version,
    firmware_device_type: fw.deviceType,
    ...(fw.fileUrl !== undefined ? { firmware_url: fw.fileUrl, firmware_checksum: fw.checksumSha256 ?? null } : {}),
    started_at: iso(c.startedAt),
    completed_at: iso(c.completedAt),
    created_at: iso(c.createdAt),
    created_by: c.createdBy,
    status_breakdown: breakdown(c),
    eligible_devices: c.eligibleDevices,
    phase: c.phase,
    canary_percent: c.canaryPercent,
    canary_size: c.canarySize,
    abort_min_devices: c.abortMinDevices,
    abort_reason: c.abortReason,
    device_timeout_seconds: c.deviceTimeoutSeconds,
    max_in_flight: c.maxInFlight,
    // What rollout_rate means in time: devices per campaign per tick of this length.
    tick_interval_ms: config().OTA_TICK_INTERVAL_MS,
  };
}

/** `GET /customer/ota/campaigns`: newest first; `total` counts every match; a breakdown on each item. */
export async function listCampaigns(tx: DbOrTx, tenantId: string, q: CampaignListQuery) {
  const where = and(eq(otaCampaigns.tenantId, tenantId), q.status ? eq(otaCampaigns.status, q.status) : undefined);
  const [rows, [totals]] = await Promise.all([
    tx
      .select({ c: otaCampaigns, version: firmwareVersions.version, deviceType: firmwareVersions.deviceType })
      .from(otaCampaigns)
      .innerJoin(
        firmwareVersions,
        and(
          eq(firmwareVersions.tenantId, otaCampaigns.tenantId),
          eq(firmwareVersions.id, otaCampaigns.firmwareVersionId),
        ),
      )
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
    .innerJoin(
      firmwareVersions,
      and(
        eq(firmwareVersions.tenantId, otaCampaigns.tenantId),
        eq(firmwareVersions.id, otaCampaigns.firmwareVersionId),
      ),
    )
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id)));
  if (!row) throw new NotFound("Campaign not found");
  return campaignJson(row.c, row.fw);
}

// Any fixed number: campaign creations of one tenant take turns, so that two
// overlapping campaigns cannot both claim the same device as eligible.
const CREATE_LOCK = 7_401_555;

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
 * incompatible type, already on the version, or already in another active campaign.
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
        AND c.status IN ('CREATED', 'RUNNING', 'PAUSED')
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

const canarySizeOf = (eligible: number, percent: number) => Math.max(1, Math.ceil((eligible * percent) / 100));

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
    canary_size: body.rollout_strategy === "canary" && eligible > 0 ? canarySizeOf(eligible, body.canary_percent) : 0,
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
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${CREATE_LOCK}, hashtext(${tenantId}))`);
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
  // and a canary campaign flags its first ceil(eligible × canary_percent / 100) eligible
  // devices (at least one) as the canary wave.
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

/** Above this many devices a new campaign changes the table enough to mislead the planner. */
const ANALYZE_AFTER_DEVICES = 1_000;

/**
 * After a large campaign is created, its rows are new to the planner: until autovacuum
 * gets round to it, PostgreSQL believes the campaign has a few dozen rows and picks plans
 * that walk all of it per report (measured: 1.6–3.6 s for one ingestion batch instead of
 * 100 ms). ANALYZE needs the table's owner, which the connecting user is, and not the
 * RLS role, so it runs outside the tenant transaction, after it commits, in the background.
 */
export function refreshStatisticsAfterCreate(owner: DbOrTx, totalDevices: number): void {
  if (totalDevices < ANALYZE_AFTER_DEVICES) return;
  void owner.execute(sql`ANALYZE ota_device_status`).catch((err: Error) => {
    console.error(`ANALYZE ota_device_status after a campaign of ${totalDevices} devices failed: ${err.message}`);
  });
}

const TRANSITIONS = {
  start: { from: ["CREATED", "PAUSED"], to: "RUNNING" },
  pause: { from: ["RUNNING"], to: "PAUSED" },
  abort: { from: ["CREATED", "RUNNING", "PAUSED"], to: "ABORTED" },
} as const satisfies Record<string, { from: CampaignStatus[]; to: CampaignStatus }>;
export type Transition = keyof typeof TRANSITIONS;
export const ABORTABLE: readonly CampaignStatus[] = TRANSITIONS.abort.from;

function refusal(action: Transition, status: CampaignStatus): string {
  return action === "abort"
    ? `Campaign already in terminal status ${status}`
    : `Cannot ${action} campaign in status ${status}`;
}

/**
 * Aborts a campaign (operator or engine): its PENDING devices become SKIPPED, then the
 * status changes by compare-and-set from one of `from`, with the reason. Returns false
 * (and the caller must roll back) when the status was not in `from` any more.
 *
 * Lock order matters here. The dispatch lock comes first (exclusive: it waits for the
 * publishes in progress, so no command is published after the abort commits). Then,
 * as for every writer, device rows in id order, and the campaign row after them (the
 * counter trigger takes it at the end of the statement), so the skip goes before the
 * status change.
 */
export async function abortCampaign(
  tx: Tx,
  tenantId: string,
  id: number,
  reason: string,
  from: readonly CampaignStatus[] = ABORTABLE,
): Promise<boolean> {
  await takeDispatchLock(tx, id);
  await tx.execute(sql`
    UPDATE ota_device_status SET status = 'SKIPPED', completed_at = now(), error_message = 'campaign aborted'
    WHERE id IN (
      SELECT id FROM ota_device_status
      WHERE tenant_id = ${tenantId} AND campaign_id = ${id} AND status = 'PENDING'
      ORDER BY id
      FOR UPDATE
    ) AND status = 'PENDING'`);
  const changed = await tx
    .update(otaCampaigns)
    .set({ status: "ABORTED", completedAt: sql`now()`, abortReason: reason })
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id), inArray(otaCampaigns.status, [...from])))
    .returning({ id: otaCampaigns.id });
  return changed.length > 0;
}

/**
 * The advisory lock (namespace, campaign id) that orders publishing against stopping:
 * the worker's dispatch transactions hold it shared while they publish; an abort or a
 * pause takes it exclusively before it changes anything, so it waits for the publishes
 * in progress, and no command goes out for the campaign after it commits.
 */
export const DISPATCH_LOCK = 7_401_556;

async function takeDispatchLock(tx: Tx, id: number) {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${DISPATCH_LOCK}, ${id})`);
}

async function currentStatus(tx: Tx, tenantId: string, id: number): Promise<CampaignStatus> {
  const [current] = await tx
    .select({ status: otaCampaigns.status })
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id)));
  if (!current) throw new NotFound("Campaign not found");
  return current.status;
}

/**
 * start / pause / abort by an operator. The change is a compare-and-set UPDATE, so
 * of two concurrent requests only the legal one succeeds.
 */
export async function transitionCampaign(tx: Tx, tenantId: string, id: number, action: Transition, actor: string) {
  const { from, to } = TRANSITIONS[action];
  if (action === "abort") {
    const status = await currentStatus(tx, tenantId, id);
    if (!ABORTABLE.includes(status)) throw new InvalidTransition(refusal(action, status));
    // Lost a race (the engine completed or aborted it meanwhile): the throw rolls the skip back.
    if (!(await abortCampaign(tx, tenantId, id, `Aborted by operator ${actor}`))) {
      throw new InvalidTransition(refusal(action, await currentStatus(tx, tenantId, id)));
    }
    return { id, status: to, tick_interval_ms: config().OTA_TICK_INTERVAL_MS };
  }
  // A pause, like an abort, waits for the publishes in progress (see DISPATCH_LOCK).
  if (action === "pause") await takeDispatchLock(tx, id);
  const [changed] = await tx
    .update(otaCampaigns)
    .set({
      status: to,
      ...(to === "RUNNING" ? { startedAt: sql`COALESCE(${otaCampaigns.startedAt}, now())` } : {}),
    })
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id), inArray(otaCampaigns.status, [...from])))
    .returning({ id: otaCampaigns.id, status: otaCampaigns.status });
  if (!changed) throw new InvalidTransition(refusal(action, await currentStatus(tx, tenantId, id)));
  return { id: changed.id, status: changed.status, tick_interval_ms: config().OTA_TICK_INTERVAL_MS };
}

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
  return {
    campaign_id: id,
    devices: rows.map((r) => ({
      device_id: r.deviceId,
      status: r.status,
      progress_pct: r.progressPct,
      error_message: r.errorMessage,
      canary: r.canary,
      dispatch_count: r.dispatchCount,
      // How often the device was silent for the timeout and got its command again.
      probe_count: r.probeCount,
      probed_at: iso(r.probedAt),
      last_report_at: iso(r.lastReportAt),
      started_at: iso(r.startedAt),
      completed_at: iso(r.completedAt),
      created_at: iso(r.createdAt),
    })),
    total,
    limit: q.limit,
    offset: q.offset,
  };
}
