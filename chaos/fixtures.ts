import type { DbHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createCampaign, transitionCampaign } from "@/lib/ota/campaigns";
import { refreshStatisticsAfterCreate } from "@/lib/ota/statistics";
import { CampaignCreate } from "@/lib/ota/schemas";

export const INITIAL_VERSION = "1.0.0";
export const TARGET_VERSION = "2.0.0";
export const TENANT = "chaos";
export const GROUP = "fleet";

export const deviceIdOf = (i: number) => `chaos-${String(i).padStart(5, "0")}`;

/**
 * The fleet in the database, set-based (one statement per table): a tenant, `n` sensors
 * on 1.0.0 in one group, and firmware 2.0.0 registered by URL (the scripted devices do
 * not download it; the URL only has to be valid).
 */
export async function createFleet(handle: DbHandle, n: number): Promise<{ firmwareId: number; deviceIds: string[] }> {
  const { sql } = handle;
  await sql`INSERT INTO tenants (tenant_id, name) VALUES (${TENANT}, 'Chaos suite')`;
  await sql`
    INSERT INTO devices (tenant_id, device_id, device_type, fw_version)
    SELECT ${TENANT}, 'chaos-' || lpad(i::text, 5, '0'), 'sensor', ${INITIAL_VERSION}
    FROM generate_series(0, ${n - 1}::int) AS i`;
  await sql`INSERT INTO device_groups (tenant_id, group_id, name) VALUES (${TENANT}, ${GROUP}, 'The whole fleet')`;
  await sql`
    INSERT INTO device_group_members (tenant_id, group_id, device_id)
    SELECT tenant_id, ${GROUP}, device_id FROM devices WHERE tenant_id = ${TENANT}`;
  const [fw] = await sql<{ id: number }[]>`
    INSERT INTO firmware_versions (tenant_id, version, file_url, checksum_sha256, device_type, file_size_bytes)
    VALUES (${TENANT}, ${TARGET_VERSION}, 'http://127.0.0.1:9/chaos-2.0.0.bin', ${"ab".repeat(32)}, 'sensor', 1048576)
    RETURNING id`;
  return { firmwareId: fw!.id, deviceIds: Array.from({ length: n }, (_, i) => deviceIdOf(i)) };
}

export interface CampaignSettings {
  rolloutRate: number;
  deviceTimeoutSeconds: number;
  abortThreshold: number;
}

/** Creates and starts the campaign through the domain functions the API uses. */
export async function startCampaign(handle: DbHandle, firmwareId: number, s: CampaignSettings): Promise<number> {
  const body = CampaignCreate.parse({
    name: "Chaos rollout",
    firmware_version_id: firmwareId,
    target_group_id: GROUP,
    rollout_rate: s.rolloutRate,
    abort_threshold: s.abortThreshold,
    device_timeout_seconds: s.deviceTimeoutSeconds,
  });
  const c = await withTenant(handle.db, TENANT, (tx) => createCampaign(tx, TENANT, body, "chaos"));
  await refreshStatisticsAfterCreate(handle.db, c.total_devices);
  await withTenant(handle.db, TENANT, (tx) => transitionCampaign(tx, TENANT, c.id, "start", "chaos"));
  return c.id;
}
