import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DbHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { createCampaign } from "@/lib/ota/campaigns";
import { CampaignCreate } from "@/lib/ota/schemas";
import { deviceId, GROUP, type Fleet } from "./fleet";

/**
 * The raw ceiling: COPY FROM STDIN of `n` rows shaped like the campaign's rows into
 * `CREATE TABLE … (LIKE ota_device_status INCLUDING ALL)`: the same indexes and
 * checks, no triggers and no foreign keys. The rows are generated as they stream.
 */
export async function copyCeiling(handle: DbHandle, tenantId: string, n: number): Promise<number> {
  const { sql } = handle;
  await sql`DROP TABLE IF EXISTS bench_copy_scratch`;
  await sql`CREATE TABLE bench_copy_scratch (LIKE ota_device_status INCLUDING ALL)`;
  try {
    function* rows() {
      const CHUNK = 5000;
      for (let i = 0; i < n; i += CHUNK) {
        let s = "";
        for (let j = i; j < Math.min(n, i + CHUNK); j++) s += `${tenantId}\t999999\t${deviceId(j)}\tPENDING\tf\n`;
        yield s;
      }
    }
    const t0 = performance.now();
    const writable =
      await sql`COPY bench_copy_scratch (tenant_id, campaign_id, device_id, status, canary) FROM STDIN`.writable();
    await pipeline(Readable.from(rows()), writable);
    const ms = performance.now() - t0;
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM bench_copy_scratch`;
    if (row!.n !== n) throw new Error(`COPY ceiling wrote ${row!.n} rows, expected ${n}`);
    return ms;
  } finally {
    await sql`DROP TABLE IF EXISTS bench_copy_scratch`;
  }
}

/** The engine's work: one createCampaign of every device in the group, timed end to end. */
export async function createBenchCampaign(
  handle: DbHandle,
  fleet: Fleet,
): Promise<{ ms: number; campaignId: number; eligible: number }> {
  const body = CampaignCreate.parse({
    name: `Bench ${fleet.n}`,
    firmware_version_id: fleet.fwId,
    target_group_id: GROUP,
    rollout_rate: 1000,
  });
  const t0 = performance.now();
  const c = await withTenant(handle.db, fleet.tenantId, (tx) => createCampaign(tx, fleet.tenantId, body, "bench"));
  const ms = performance.now() - t0;
  if (c.eligible_devices !== fleet.n)
    throw new Error(`campaign has ${c.eligible_devices} eligible devices, expected ${fleet.n}`);
  return { ms, campaignId: c.id, eligible: c.eligible_devices };
}

/** "Rate limit lifted": the whole fleet in one tick (the API caps rollout_rate at 1000; the database does not). */
export async function liftRateLimit(handle: DbHandle, campaignId: number, n: number): Promise<void> {
  await handle.sql`UPDATE ota_campaigns SET rollout_rate = ${n}, max_in_flight = NULL WHERE id = ${campaignId}`;
}
