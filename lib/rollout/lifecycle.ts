import { TransactionRollbackError } from "drizzle-orm";
import type postgres from "postgres";
import type { Db } from "@/lib/db/client";
import { abortCampaign } from "@/lib/ota/campaigns";
import { sqlLiterals } from "@/lib/rules/sql";
import { LIVE_CAMPAIGN_STATUSES, LIVE_DEVICE_STATUSES } from "@/lib/rules/statuses";

const IN_FLIGHT = sqlLiterals(LIVE_DEVICE_STATUSES);
const LIVE_CAMPAIGN = sqlLiterals(LIVE_CAMPAIGN_STATUSES);

/** What the engine reads of a RUNNING campaign to decide its next step: counters only, O(1). */
export interface CampaignCounters {
  id: number;
  tenant_id: string;
  phase: "canary" | "rollout";
  abort_threshold: number;
  abort_min_devices: number;
  eligible_devices: number;
  canary_size: number;
  pending: number;
  downloading: number;
  installing: number;
  succeeded: number;
  failed: number;
}

export type Decision =
  { action: "abort"; reason: string } | { action: "promote" } | { action: "complete" } | { action: "none" };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * The next step of a RUNNING campaign, in order: the canary's verdict once the whole
 * canary wave has finished (the canary is the sample, so no minimum applies); the
 * failure threshold, only once at least min(abort_min_devices, eligible) devices have
 * finished, so that one early failure cannot abort a fleet; then completion, once no
 * device is PENDING, DOWNLOADING or INSTALLING. Abort comes before completion: a
 * campaign whose last devices push it over the threshold ends ABORTED, not COMPLETED.
 */
export function decide(c: CampaignCounters): Decision {
  const finished = c.succeeded + c.failed;
  const inFlight = c.downloading + c.installing;
  if (c.phase === "canary") {
    const dispatched = c.eligible_devices - c.pending;
    if (dispatched >= c.canary_size && inFlight === 0) {
      const rate = finished > 0 ? c.failed / finished : 0;
      if (rate > c.abort_threshold) {
        return {
          action: "abort",
          reason: `Canary failed: ${c.failed} of ${finished} canary devices failed (${pct(rate)} > ${pct(c.abort_threshold)} threshold)`,
        };
      }
      return { action: "promote" };
    }
  }
  const minSample = Math.max(1, Math.min(c.abort_min_devices, c.eligible_devices));
  if (finished >= minSample && c.failed / finished > c.abort_threshold) {
    return {
      action: "abort",
      reason: `Failure threshold exceeded: ${c.failed} of ${finished} finished devices failed (${pct(c.failed / finished)} > ${pct(c.abort_threshold)} threshold, minimum sample ${minSample})`,
    };
  }
  if (c.pending + inFlight === 0) return { action: "complete" };
  return { action: "none" };
}

export interface SettleStats {
  aborted: number;
  promoted: number;
  completed: number;
}

/**
 * Applies `decide` to every RUNNING campaign. Each change is a compare-and-set from
 * RUNNING, so two workers settling the same campaign change it once, and a campaign
 * an operator paused or aborted meanwhile is left alone.
 */
export async function settleCampaigns(
  db: Db,
  sql: postgres.Sql,
  opts: { tenants?: string[]; log: (line: string) => void },
): Promise<SettleStats> {
  const stats: SettleStats = { aborted: 0, promoted: 0, completed: 0 };
  const running = await sql<CampaignCounters[]>`
    SELECT id, tenant_id, phase, abort_threshold, abort_min_devices, eligible_devices, canary_size,
           pending, downloading, installing, succeeded, failed
    FROM ota_campaigns
    WHERE status = 'RUNNING' ${opts.tenants ? sql`AND tenant_id = ANY(${opts.tenants})` : sql``}
    ORDER BY id`;
  for (const c of running) {
    const d = decide(c);
    try {
      if (d.action === "abort") {
        const done = await db
          .transaction(async (tx) => {
            const ok = await abortCampaign(tx, c.tenant_id, c.id, d.reason, ["RUNNING"]);
            if (!ok) tx.rollback();
            return ok;
          })
          .catch((err) => {
            if (err instanceof TransactionRollbackError) return false;
            throw err;
          });
        if (done) {
          stats.aborted++;
          opts.log(`campaign ${c.id} (${c.tenant_id}) ABORTED: ${d.reason}`);
        }
      } else if (d.action === "promote") {
        const rows = await sql`
          UPDATE ota_campaigns SET phase = 'rollout'
          WHERE tenant_id = ${c.tenant_id} AND id = ${c.id} AND status = 'RUNNING' AND phase = 'canary'
          RETURNING id`;
        if (rows.length) {
          stats.promoted++;
          opts.log(
            `campaign ${c.id} (${c.tenant_id}): canary passed (${c.failed} of ${c.succeeded + c.failed} failed); rolling out`,
          );
        }
      } else if (d.action === "complete") {
        const rows = await sql`
          UPDATE ota_campaigns SET status = 'COMPLETED', completed_at = now()
          WHERE tenant_id = ${c.tenant_id} AND id = ${c.id} AND status = 'RUNNING'
            AND pending = 0 AND downloading = 0 AND installing = 0
          RETURNING id`;
        if (rows.length) {
          stats.completed++;
          opts.log(`campaign ${c.id} (${c.tenant_id}) COMPLETED: ${c.succeeded} succeeded, ${c.failed} failed`);
        }
      }
    } catch (err) {
      opts.log(`settle: campaign ${c.id} (${c.tenant_id}): ${(err as Error).message}`);
    }
  }
  return stats;
}

/**
 * Devices DOWNLOADING or INSTALLING that have reported nothing for their campaign's
 * device_timeout_seconds become FAILED, so that silent devices count against the
 * threshold and every campaign ends. In a RUNNING or PAUSED campaign a device is first
 * asked (`probeSilentDevices` re-sends its command) and is timed out only when nothing
 * came in the `graceMs` after the broker acknowledged that probe; in an ABORTED campaign,
 * where no command goes out any more, it is timed out at once. SKIP LOCKED: a row some
 * statement holds right now is being reported on (or probed), so it is not silent.
 *
 * "Nothing came" means nothing the workers have *received*, not merely nothing written:
 * after a database outage an answer can wait in a worker's intake while its batch is
 * retried. So the grace is counted up to the ingestion watermark, the instant before
 * which every report received by a live worker is written: this worker's (now minus
 * `lagMs`, the age of its oldest unwritten report, or of its broker disconnection) and
 * each other live worker's (its last beat minus the `backlog_ms` it reported then).
 */
export async function expireSilentDevices(
  sql: postgres.Sql,
  opts: { tenants?: string[]; graceMs: number; lagMs?: number; workerId?: string },
): Promise<number> {
  const rows = await sql`
    WITH mark AS (
      SELECT least(
        now() - ${opts.lagMs ?? 0} * interval '1 millisecond',
        (SELECT min(h.beat_at - coalesce((h.stats->>'backlog_ms')::bigint, 0) * interval '1 millisecond')
           FROM worker_heartbeats h
           WHERE h.worker_id <> ${opts.workerId ?? ""}
             AND h.beat_at > now() - 3 * h.tick_interval_ms * interval '1 millisecond')
      ) AS at
    )
    UPDATE ota_device_status s SET
      status = 'FAILED',
      error_message = CASE
        WHEN s.probed_at IS NULL THEN format('Timed out: no report for %s s', c.device_timeout_seconds)
        ELSE format('Timed out: no report for %s s, nor within %s s of the command being sent again',
                    c.device_timeout_seconds, round(${opts.graceMs} / 1000.0, 1))
      END,
      completed_at = now()
    FROM ota_campaigns c
    WHERE s.id IN (
        SELECT s2.id FROM ota_device_status s2
        JOIN ota_campaigns c2 ON c2.tenant_id = s2.tenant_id AND c2.id = s2.campaign_id
        WHERE s2.status IN (${sql.unsafe(IN_FLIGHT)})
          AND s2.last_report_at < least(now(), (SELECT at FROM mark)) - c2.device_timeout_seconds * interval '1 second'
          AND (
            c2.status NOT IN (${sql.unsafe(LIVE_CAMPAIGN)})
            OR (s2.probed_at >= s2.last_report_at
                AND s2.probed_at < (SELECT at FROM mark) - ${opts.graceMs} * interval '1 millisecond')
          )
          ${opts.tenants ? sql`AND s2.tenant_id = ANY(${opts.tenants})` : sql``}
        ORDER BY s2.id
        LIMIT 10000
        FOR UPDATE OF s2 SKIP LOCKED
      )
      AND c.tenant_id = s.tenant_id AND c.id = s.campaign_id
      AND s.status IN (${sql.unsafe(IN_FLIGHT)})
    RETURNING s.id`;
  return rows.length;
}
