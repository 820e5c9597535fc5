import { DISPATCH_LOCK } from "@/lib/db/locks";
import { sqlLiterals } from "@/lib/rules/sql";
import { LIVE_CAMPAIGN_STATUSES, LIVE_DEVICE_STATUSES } from "@/lib/rules/statuses";
import { commandFor, publishAll, signerOf, type CampaignForDispatch, type DispatchDeps } from "./dispatch";
import { commandTopic } from "./protocol";

const IN_FLIGHT = sqlLiterals(LIVE_DEVICE_STATUSES);
const LIVE_CAMPAIGN = sqlLiterals(LIVE_CAMPAIGN_STATUSES);

/** Devices probed per transaction. */
const CHUNK = 1000;

export interface ProbeStats {
  probed: number;
  probe_failures: number;
}

/**
 * Ask before judging: a device in flight that has said nothing for its campaign's
 * device_timeout_seconds gets its command again. The protocol asks a device to answer a
 * repeated command with its latest report, so a device whose report was lost (a broker
 * that died holding it, say) answers now, and only one that still says nothing within
 * the grace period is timed out (`expireSilentDevices`). A device that never received
 * the command at all starts the update now.
 *
 * Only in RUNNING and PAUSED campaigns: after an abort no command goes out, so silent
 * devices of an aborted campaign are timed out without a probe. Each chunk holds the
 * campaign's dispatch lock in shared mode, like a dispatch, so an abort or a pause
 * waits for the probes in progress and none is sent after it commits.
 */
export async function probeSilentDevices(deps: DispatchDeps): Promise<ProbeStats> {
  const stats: ProbeStats = { probed: 0, probe_failures: 0 };
  if (!deps.mqtt.connected) return stats;
  const campaigns = await deps.sql<{ id: number; tenant_id: string }[]>`
    SELECT id, tenant_id FROM ota_campaigns
    WHERE status IN (${deps.sql.unsafe(LIVE_CAMPAIGN)}) AND downloading + installing > 0
      ${deps.tenants ? deps.sql`AND tenant_id = ANY(${deps.tenants})` : deps.sql``}
    ORDER BY id`;
  for (const c of campaigns) {
    try {
      for (;;) {
        const r = await probeChunk(deps, c.tenant_id, c.id);
        stats.probed += r.acked;
        stats.probe_failures += r.claimed - r.acked;
        if (r.claimed > 0) {
          deps.log(
            `probe: campaign ${c.id} (${c.tenant_id}): command re-sent to ${r.acked} silent devices${r.acked < r.claimed ? ` (${r.claimed - r.acked} not acknowledged)` : ""}`,
          );
        }
        if (r.claimed < CHUNK || r.acked < r.claimed) break;
      }
    } catch (err) {
      deps.log(`probe: campaign ${c.id} (${c.tenant_id}) failed this tick: ${(err as Error).message}`);
    }
  }
  return stats;
}

async function probeChunk(
  deps: DispatchDeps,
  tenantId: string,
  campaignId: number,
): Promise<{ claimed: number; acked: number }> {
  return deps.sql.begin(async (tx) => {
    await tx`SELECT set_config('idle_in_transaction_session_timeout', ${String(deps.publishTimeoutMs + 10_000)}, true)`;
    await tx`SELECT pg_advisory_xact_lock_shared(${DISPATCH_LOCK}, ${campaignId})`;
    const [c] = await tx<CampaignForDispatch[]>`
      SELECT c.id, c.device_timeout_seconds, fv.id AS firmware_id, fv.version, fv.checksum_sha256, fv.file_url,
             fv.file_size_bytes, fv.storage_key, fv.release_signature, fv.release_kid
      FROM ota_campaigns c
      JOIN firmware_versions fv ON fv.tenant_id = c.tenant_id AND fv.id = c.firmware_version_id
      WHERE c.tenant_id = ${tenantId} AND c.id = ${campaignId} AND c.status IN (${tx.unsafe(LIVE_CAMPAIGN)})`;
    if (!c) return { claimed: 0, acked: 0 };
    // Silent for the timeout, and not yet probed since its last report.
    const rows = await tx<{ id: string; device_id: string }[]>`
      SELECT id, device_id FROM ota_device_status
      WHERE tenant_id = ${tenantId} AND campaign_id = ${campaignId}
        AND status IN (${tx.unsafe(IN_FLIGHT)})
        AND last_report_at < now() - ${c.device_timeout_seconds} * interval '1 second'
        AND (probed_at IS NULL OR probed_at < last_report_at)
      ORDER BY id
      LIMIT ${CHUNK}
      FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return { claimed: 0, acked: 0 };
    const commands = commandFor(c, tenantId, await signerOf(deps, tenantId), deps);
    const payloads = commands(rows.map((row) => row.device_id));
    const acked = await publishAll(
      deps.mqtt,
      rows.map((row, i) => ({ topic: commandTopic(tenantId, row.device_id), payload: payloads[i]! })),
      deps.publishTimeoutMs,
    );
    const ackedIds = rows.filter((_, i) => acked[i]).map((row) => row.id);
    if (ackedIds.length > 0) {
      await tx`
        UPDATE ota_device_status SET probed_at = now(), probe_count = probe_count + 1
        WHERE id = ANY(${ackedIds}::bigint[])`;
    }
    return { claimed: rows.length, acked: ackedIds.length };
  });
}
