import { CREDENTIALS_CSV_COLUMNS } from "@/lib/rules/credentials";
import { sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "@/lib/db/client";
import { devices } from "@/lib/db/schema";
import { Conflict } from "@/lib/errors";
import type { DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { brokerProvisioner, type BrokerProvisioner } from "@/lib/mqtt/provisioning";
import { issueDeviceCredentials, newCredentials, provisionDeviceAccounts } from "./credentials";
import { deviceJson, findDevice } from "./devices";
import type { DeviceCreate } from "./schemas";
import { tenantJwks } from "./signing-keys";

/**
 * Registering devices and re-keying them: every answer that carries a device's MQTT
 * password (shown once, stored only as its hash) and the tenant's command-signing JWKS,
 * which is what a device is provisioned with.
 */

/** How many ids a refused bulk registration names as already registered. */
const TAKEN_NAMED = 5;
/** After a bulk registration this large, the planner's row estimates for `devices` are refreshed. */
const ANALYZE_AFTER_DEVICES = 1_000;

/** `POST /customer/devices`: the device, its credentials and the tenant's JWKS. 409 if it exists. */
export async function createDevice(
  tx: Tx,
  tenantId: string,
  body: DeviceCreate,
  authSecret: string,
  provisioner: BrokerProvisioner = brokerProvisioner(),
) {
  const [row] = await tx
    .insert(devices)
    .values({
      tenantId,
      deviceId: body.device_id,
      deviceType: body.device_type ?? null,
      fwVersion: body.fw_version ?? null,
    })
    .onConflictDoNothing()
    .returning({ deviceId: devices.deviceId });
  if (!row) throw new Conflict(`Device ${body.device_id} already exists`);
  const issued = await issueDeviceCredentials(tx, tenantId, [body.device_id], provisioner);
  const device = deviceJson(await findDevice(tx, tenantId, body.device_id));
  return { ...device, mqtt: issued.get(body.device_id)!, signing_keys: await tenantJwks(tx, tenantId, authSecret) };
}

/**
 * `POST /customer/devices/bulk`: all the devices or none. Set-based: one INSERT … SELECT
 * FROM unnest writes the rows with their credentials' hashes, and one call provisions a
 * broker that keeps its own accounts. (Inserting, then re-keying with
 * issueDeviceCredentials' UPDATE, wrote every new row twice: 100,000 devices took 9.3 s
 * that way against 6.7 s in one INSERT, medians of three on a busy 2-core machine.) Ids
 * listed twice were refused by the schema (DeviceBulkCreate); an id that is already
 * registered refuses the whole body (409, naming the first few), and the transaction
 * rolls back whatever was inserted.
 */
export async function registerDevices(
  tx: Tx,
  tenantId: string,
  list: DeviceCreate[],
  authSecret: string,
  provisioner: BrokerProvisioner = brokerProvisioner(),
) {
  const ids = list.map((d) => d.device_id);
  const { hashes, issued } = newCredentials(tenantId, ids);
  // The ids already taken are looked for only when the insert came up short (an InitPlan
  // under CASE runs only if reached), and named in the order of the body.
  const [result] = await tx.execute<{ inserted: number; taken: string[] | null }>(sql`
    WITH v AS (
      SELECT * FROM unnest(
        ${sql.param(ids)}::text[],
        ${sql.param(list.map((d) => d.device_type ?? null))}::text[],
        ${sql.param(list.map((d) => d.fw_version ?? null))}::text[],
        ${sql.param(hashes)}::text[]
      ) WITH ORDINALITY AS v(device_id, device_type, fw_version, hash, ord)
    ),
    ins AS (
      INSERT INTO devices (
        tenant_id, device_id, device_type, fw_version, mqtt_secret_hash, credentials_version, credentials_issued_at
      )
      SELECT ${tenantId}, device_id, device_type, fw_version, hash, 1, now() FROM v
      ON CONFLICT DO NOTHING
      RETURNING device_id
    ),
    n AS (SELECT count(*)::int AS inserted FROM ins)
    SELECT n.inserted,
      CASE WHEN n.inserted < ${ids.length} THEN ARRAY(
        SELECT v.device_id FROM v WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.device_id = v.device_id)
        ORDER BY v.ord LIMIT ${TAKEN_NAMED}
      ) END AS taken
    FROM n`);
  const inserted = result?.inserted ?? 0;
  if (inserted !== ids.length) {
    const taken = result?.taken ?? [];
    const others = ids.length - inserted - taken.length;
    throw new Conflict(
      `${ids.length - inserted} of these devices are already registered: ${taken.join(", ")}` +
        `${others > 0 ? `, and ${others} more` : ""}. Nothing was registered.`,
    );
  }
  await provisionDeviceAccounts(tenantId, issued, provisioner);
  return {
    created: ids.length,
    devices: ids.map((device_id) => ({ device_id, mqtt: issued.get(device_id)! })),
    signing_keys: await tenantJwks(tx, tenantId, authSecret),
  };
}

/**
 * `POST /customer/devices/{device_id}/credentials`: new credentials; the old password stops
 * working as this commits (404 for a device the tenant does not have).
 */
export async function rekeyDevice(
  tx: Tx,
  tenantId: string,
  deviceId: string,
  authSecret: string,
  provisioner: BrokerProvisioner = brokerProvisioner(),
) {
  const issued = await issueDeviceCredentials(tx, tenantId, [deviceId], provisioner);
  return { device_id: deviceId, mqtt: issued.get(deviceId)!, signing_keys: await tenantJwks(tx, tenantId, authSecret) };
}

export const CREDENTIALS_CSV_HEADER = CREDENTIALS_CSV_COLUMNS.join(",");

/**
 * The factory line's file: one row per device. Identifiers and base64url passwords hold
 * no comma, quote or line break (lib/rules/identifiers.ts), so no field needs quoting.
 * Values are written exactly as they are, for the machine that flashes them: none can
 * start with "=", "+" or "@", though an id may start with "-", which a spreadsheet could
 * read as a number.
 */
export function credentialsCsv(rows: { device_id: string; mqtt: DeviceMqttCredentials }[]): string {
  const lines = [CREDENTIALS_CSV_HEADER];
  for (const { device_id, mqtt } of rows)
    lines.push(`${device_id},${mqtt.client_id},${mqtt.username},${mqtt.password}`);
  return lines.join("\r\n") + "\r\n";
}

/**
 * After a large bulk registration the planner still believes `devices` is as small as it
 * was, until autovacuum gets round to it; campaign creation joins it with group members.
 * ANALYZE needs the owner, so the route runs this after commit (see statistics.ts).
 */
export async function refreshDeviceStatistics(owner: DbOrTx, registered: number): Promise<void> {
  if (registered < ANALYZE_AFTER_DEVICES) return;
  await owner.execute(sql`ANALYZE devices`).catch((err: Error) => {
    console.error(`ANALYZE devices after registering ${registered} devices failed: ${err.message}`);
  });
}
