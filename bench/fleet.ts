import { randomBytes } from "node:crypto";
import type postgres from "postgres";

/** Device ids sort in creation order: dev-0000000, dev-0000001, … */
export const deviceId = (i: number) => `dev-${String(i).padStart(7, "0")}`;
export const FW_VERSION = "2.0.0";
export const GROUP = "all";

export interface Fleet {
  tenantId: string;
  n: number;
  fwId: number;
  userId: number;
  email: string;
}

/**
 * A tenant with `n` sensors on 1.0.0, all in group "all", firmware 2.0.0 for them
 * (with a checksum, so a campaign accepts it) and one viewer for the API probe.
 * Set-based: the devices and the memberships are one INSERT … SELECT each.
 */
export async function buildFleet(sql: postgres.Sql, label: string, n: number): Promise<Fleet> {
  const tenantId = `bench-${label}-${randomBytes(3).toString("hex")}`;
  const email = `viewer@${tenantId}.test`;
  await sql`INSERT INTO tenants (tenant_id, name) VALUES (${tenantId}, ${`Bench ${label}`})`;
  // The API probe signs its own token for this user; nobody logs in with a password.
  const [user] = await sql<{ id: number }[]>`
    INSERT INTO users (tenant_id, email, role, password_hash) VALUES (${tenantId}, ${email}, 'viewer', 'bench:no-login') RETURNING id`;
  const [fw] = await sql<{ id: number }[]>`
    INSERT INTO firmware_versions (tenant_id, version, file_url, file_size_bytes, checksum_sha256, device_type)
    VALUES (${tenantId}, ${FW_VERSION}, 'http://127.0.0.1:9/fw.bin', 1048576, ${"ab".repeat(32)}, 'sensor')
    RETURNING id`;
  await sql`
    INSERT INTO devices (tenant_id, device_id, device_type, fw_version)
    SELECT ${tenantId}, 'dev-' || lpad(g::text, 7, '0'), 'sensor', '1.0.0' FROM generate_series(0, ${n - 1}::int) g`;
  await sql`INSERT INTO device_groups (tenant_id, group_id, name) VALUES (${tenantId}, ${GROUP}, 'All')`;
  await sql`
    INSERT INTO device_group_members (tenant_id, group_id, device_id)
    SELECT tenant_id, ${GROUP}, device_id FROM devices WHERE tenant_id = ${tenantId}`;
  return { tenantId, n, fwId: fw!.id, userId: user!.id, email };
}
