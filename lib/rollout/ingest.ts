import type postgres from "postgres";
import { sqlLiterals } from "@/lib/rules/sql";
import { ACTIVE_DEVICE_STATUSES, FINAL_DEVICE_STATUSES, movesForward } from "@/lib/rules/statuses";
import type { StatusReport } from "./protocol";

/**
 * Status ingestion: device reports applied in batches, one statement per batch.
 *
 * Runs as the connecting (owner) role, across tenants: a batch holds reports of many
 * tenants, and the tenant of each comes from its topic and is part of every join key,
 * so a report can only ever touch the row of its own tenant, campaign and device.
 * This is one of the named cross-tenant paths (docs/architecture.md).
 */

const key = (r: StatusReport) => `${r.tenantId}\u0000${r.campaignId}\u0000${r.deviceId}`;

/**
 * Keeps, per (tenant, campaign, device), the one report that moves the row furthest:
 * the highest status rank, then the highest progress; among terminal reports the
 * first (a terminal state never changes). The others are "merged": applying them
 * after the kept one would change nothing.
 */
export function reduceReports(reports: StatusReport[]): { kept: StatusReport[]; merged: number } {
  const best = new Map<string, StatusReport>();
  for (const r of reports) {
    const k = key(r);
    const prev = best.get(k);
    if (!prev) {
      best.set(k, r);
      continue;
    }
    if (movesForward(prev, r)) best.set(k, r);
  }
  return { kept: [...best.values()], merged: reports.length - best.size };
}

export interface BatchOutcome {
  /** Reports that moved a device row forward (status or progress). */
  applied: number;
  /** Reports for a real row that changed nothing: duplicates, late, or after a terminal state. */
  stale: number;
  /** Reports superseded by a later one for the same device in the same batch. */
  merged: number;
  /** Reports naming no row of that tenant, campaign and device: dropped. */
  unknown: StatusReport[];
}

/**
 * Applies one batch of reports in one statement, so one transaction: the device rows,
 * the devices' fw_version and last_seen_at, and (by the statement-level trigger) the
 * campaign counters commit together or not at all. The campaign row the trigger locks
 * at the statement's end is held only until that commit.
 */
export async function applyReports(sql: postgres.Sql, reports: StatusReport[]): Promise<BatchOutcome> {
  const { kept, merged } = reduceReports(reports);
  if (kept.length === 0) return { applied: 0, stale: 0, merged, unknown: [] };
  const rows = await applyBatch(sql, kept);
  const known = new Set<number>();
  let applied = 0;
  for (const r of rows) {
    known.add(Number(r.ord));
    if (r.advanced) applied++;
  }
  const unknown = kept.filter((_, i) => !known.has(i + 1));
  return { applied, stale: known.size - applied, merged, unknown };
}

// A row not yet final; and the final statuses (of which a report sets only SUCCESS or FAILED).
const ACTIVE = sqlLiterals(ACTIVE_DEVICE_STATUSES);
const FINAL = sqlLiterals(FINAL_DEVICE_STATUSES);

async function applyBatch(sql: postgres.Sql, kept: StatusReport[]) {
  // Rows are locked in id order (the `target` CTE) before anything changes them, as every
  // writer of ota_device_status does, so two workers applying overlapping batches queue
  // instead of deadlocking. `ota_status_rank` keeps every row moving forward only.
  return sql<{ ord: string; advanced: boolean }[]>`
    WITH input AS (
      SELECT * FROM unnest(
        ${kept.map((r) => r.tenantId)}::text[],
        ${kept.map((r) => r.campaignId)}::int[],
        ${kept.map((r) => r.deviceId)}::varchar[],
        ${kept.map((r) => r.status)}::text[],
        ${kept.map((r) => r.progress)}::int[],
        ${kept.map((r) => r.error)}::text[],
        ${kept.map((r) => r.version)}::text[]
      ) WITH ORDINALITY AS i(tenant_id, campaign_id, device_id, status, progress, error, version, ord)
    ),
    -- One probe of uq_ota_device_campaign per report. The LATERAL … LIMIT 1 keeps it one:
    -- as a plain join the planner merge-joins on (tenant, campaign) and filters device ids,
    -- which compares every report with every row of the campaign (measured: 2,000 reports
    -- against 100,000 rows took 40 s instead of milliseconds).
    target AS (
      SELECT s.id, i.ord, s.status AS old_status, s.progress_pct AS old_progress,
             i.tenant_id, i.campaign_id, i.status AS reported_status, i.progress, i.error, i.version
      FROM input i
      CROSS JOIN LATERAL (
        SELECT x.id FROM ota_device_status x
        WHERE x.tenant_id = i.tenant_id AND x.campaign_id = i.campaign_id AND x.device_id = i.device_id
        LIMIT 1
      ) found
      JOIN ota_device_status s ON s.id = found.id
      ORDER BY s.id
      FOR UPDATE OF s
    ),
    -- The report travels with its locked row: joining \`input\` again by ord would be a
    -- nested loop of every report with every report.
    next AS (
      SELECT t.id, t.ord, t.old_status, t.old_progress, t.progress, fv.version AS expected, t.version AS reported,
        t.old_status IN (${sql.unsafe(ACTIVE)}) AS active,
        -- Version drift: SUCCESS with a version other than the one commanded is a failure.
        (t.reported_status = 'SUCCESS' AND t.version IS NOT NULL AND t.version <> fv.version) AS drift,
        CASE
          WHEN t.reported_status = 'SUCCESS' AND t.version IS NOT NULL AND t.version <> fv.version THEN 'FAILED'
          ELSE t.reported_status
        END AS new_status,
        CASE
          WHEN t.reported_status = 'SUCCESS' AND t.version IS NOT NULL AND t.version <> fv.version
            THEN format('Version drift: device reports %s after an update to %s', t.version, fv.version)
          WHEN t.reported_status = 'FAILED' THEN coalesce(t.error, 'Device reported a failure')
        END AS new_error
      FROM target t
      JOIN ota_campaigns c ON c.tenant_id = t.tenant_id AND c.id = t.campaign_id
      JOIN firmware_versions fv ON fv.tenant_id = c.tenant_id AND fv.id = c.firmware_version_id
    ),
    -- Every report touches its row (last_report_at: any report is a sign of life, even a
    -- late one, and holds off the timeout); only rows still in flight move forward.
    changed AS (
      UPDATE ota_device_status s SET
        status = CASE WHEN n.active AND ota_status_rank(n.new_status) > ota_status_rank(s.status) THEN n.new_status ELSE s.status END,
        progress_pct = CASE
          WHEN NOT n.active THEN s.progress_pct
          WHEN ota_status_rank(n.new_status) > ota_status_rank(s.status)
            THEN CASE WHEN n.new_status = 'SUCCESS' THEN 100 ELSE n.progress END
          WHEN n.new_status = s.status THEN greatest(s.progress_pct, n.progress)
          ELSE s.progress_pct
        END,
        error_message = CASE
          WHEN n.active AND ota_status_rank(n.new_status) > ota_status_rank(s.status) AND n.new_status = 'FAILED' THEN n.new_error
          ELSE s.error_message
        END,
        completed_at = CASE
          WHEN n.active AND ota_status_rank(n.new_status) > ota_status_rank(s.status) AND n.new_status IN (${sql.unsafe(FINAL)}) THEN now()
          ELSE s.completed_at
        END,
        started_at = CASE WHEN n.active THEN coalesce(s.started_at, now()) ELSE s.started_at END,
        -- A report on a PENDING row: the device has a command this database never recorded
        -- (the worker died between the broker's acknowledgement and its commit). Record it.
        dispatch_count = CASE WHEN s.status = 'PENDING' THEN s.dispatch_count + 1 ELSE s.dispatch_count END,
        dispatched_at = CASE WHEN s.status = 'PENDING' THEN coalesce(s.dispatched_at, now()) ELSE s.dispatched_at END,
        last_report_at = now()
      FROM next n
      WHERE s.id = n.id
      RETURNING n.ord, s.tenant_id, s.device_id,
        (s.status <> n.old_status OR s.progress_pct > n.old_progress) AS advanced,
        CASE
          WHEN s.status = n.old_status THEN NULL
          WHEN s.status = 'SUCCESS' THEN n.expected
          WHEN n.drift THEN n.reported
        END AS new_fw
    ),
    -- The device's last_seen_at, and the version it now runs after a SUCCESS (or the one
    -- it reports on drift), in the same statement, so in the same commit.
    seen AS (
      UPDATE devices d SET last_seen_at = now(), fw_version = coalesce(x.new_fw, d.fw_version)
      FROM (
        SELECT DISTINCT ON (c.tenant_id, c.device_id) c.tenant_id, c.device_id, c.new_fw
        FROM changed c
        ORDER BY c.tenant_id, c.device_id, c.new_fw NULLS LAST
      ) x
      WHERE d.tenant_id = x.tenant_id AND d.device_id = x.device_id
      RETURNING 1
    )
    SELECT c.ord, c.advanced FROM changed c`;
}
