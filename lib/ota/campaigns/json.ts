import { config } from "@/lib/config";
import type { otaCampaigns, otaDeviceStatus } from "@/lib/db/schema";
import { DEVICE_STATUSES, STATUS_COUNTER, type DeviceStatus } from "@/lib/rules/statuses";
import { iso } from "../json";

export type CampaignRow = typeof otaCampaigns.$inferSelect;
type DeviceStatusRow = typeof otaDeviceStatus.$inferSelect;

/** Every device status, zeros included, from the campaign's own counters: O(1) at any fleet size. */
export function breakdown(c: CampaignRow): Record<DeviceStatus, number> {
  return Object.fromEntries(DEVICE_STATUSES.map((s) => [s, c[STATUS_COUNTER[s]]])) as Record<DeviceStatus, number>;
}

/** The seed's campaign shape, plus the breakdown and the rollout engine's fields. */
export function campaignJson(
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

/** One device of a campaign, as the device pages show it. */
export function campaignDeviceJson(r: DeviceStatusRow) {
  return {
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
  };
}
