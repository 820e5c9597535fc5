import { and, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "@/lib/db/client";
import { devices } from "@/lib/db/schema";
import { BrokerUnavailable, NotFound } from "@/lib/errors";
import { deviceCredentials, newDeviceSecrets, type DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { brokerProvisioner, type BrokerProvisioner, type DeviceAccount } from "@/lib/mqtt/provisioning";

/**
 * New MQTT credentials for these devices of the tenant, not stored yet: the hash of each
 * secret, in the order of `deviceIds`, for the caller's statement to store, and the
 * credentials themselves, which exist nowhere else once handed out.
 */
export function newCredentials(
  tenantId: string,
  deviceIds: string[],
): { hashes: string[]; issued: Map<string, DeviceMqttCredentials> } {
  const hashes: string[] = [];
  const issued = new Map<string, DeviceMqttCredentials>();
  const secrets = newDeviceSecrets(deviceIds.length);
  deviceIds.forEach((deviceId, i) => {
    const { password, hash } = secrets[i]!;
    hashes.push(hash);
    issued.set(deviceId, deviceCredentials(tenantId, deviceId, password));
  });
  return { hashes, issued };
}

/**
 * Issues new MQTT credentials to these devices of the tenant: a fresh secret each, its
 * hash stored, `credentials_version` bumped (the old password stops working at once on
 * every broker that asks the database; brokers with their own accounts are re-provisioned
 * here, before the transaction commits). Returns the passwords, which exist nowhere else
 * from now on: the caller hands them out once.
 *
 * One UPDATE for the whole list (set-based: re-keying a fleet is one statement, not one
 * per device). A bulk registration stores its new devices' hashes in its INSERT instead
 * (lib/ota/device-registration.ts).
 */
export async function issueDeviceCredentials(
  tx: Tx,
  tenantId: string,
  deviceIds: string[],
  provisioner: BrokerProvisioner = brokerProvisioner(),
): Promise<Map<string, DeviceMqttCredentials>> {
  if (deviceIds.length === 0) return new Map();
  const { hashes, issued } = newCredentials(tenantId, deviceIds);
  // sql.param: each list goes as one array parameter. Interpolated bare, drizzle would
  // expand an array into a row of one parameter per element (`($1, $2, …)`), which is
  // not an array and passes PostgreSQL's 65,535-parameter limit long before 100,000.
  const updated = await tx.execute<{ device_id: string }>(sql`
    UPDATE devices d SET
      mqtt_secret_hash = v.hash, credentials_version = d.credentials_version + 1, credentials_issued_at = now()
    FROM unnest(${sql.param(deviceIds)}::text[], ${sql.param(hashes)}::text[]) AS v(device_id, hash)
    WHERE d.tenant_id = ${tenantId} AND d.device_id = v.device_id
    RETURNING d.device_id`);
  if (updated.length !== deviceIds.length) {
    const found = new Set(updated.map((r) => r.device_id));
    throw new NotFound(`Device ${deviceIds.find((d) => !found.has(d))} not found`);
  }
  await provisionDeviceAccounts(tenantId, issued, provisioner);
  return issued;
}

/**
 * Creates or replaces these devices' accounts on a broker that keeps its own, inside the
 * caller's transaction: if the broker does not confirm, nothing is committed (503).
 */
export async function provisionDeviceAccounts(
  tenantId: string,
  issued: Map<string, DeviceMqttCredentials>,
  provisioner: BrokerProvisioner = brokerProvisioner(),
): Promise<void> {
  if (issued.size === 0) return;
  const accounts = [...issued].map(([deviceId, c]) => ({ tenantId, deviceId, password: c.password }));
  await onBroker("upsert", () => provisioner.upsert(accounts));
}

/** Withdraws these devices' credentials (they can no longer connect) without deleting them. */
export async function revokeDeviceCredentials(
  tx: Tx,
  tenantId: string,
  deviceIds: string[],
  provisioner: BrokerProvisioner = brokerProvisioner(),
): Promise<void> {
  if (deviceIds.length === 0) return;
  await tx
    .update(devices)
    .set({ mqttSecretHash: null, credentialsVersion: sql`${devices.credentialsVersion} + 1` })
    .where(and(eq(devices.tenantId, tenantId), inArray(devices.deviceId, deviceIds)));
  await removeDeviceAccounts(
    deviceIds.map((deviceId) => ({ tenantId, deviceId })),
    provisioner,
  );
}

/**
 * Removes deleted or revoked devices' accounts from a broker that keeps its own, inside the
 * caller's transaction: if the broker does not confirm, the deletion is not committed either.
 */
export async function removeDeviceAccounts(
  accounts: DeviceAccount[],
  provisioner: BrokerProvisioner = brokerProvisioner(),
): Promise<void> {
  if (accounts.length === 0) return;
  await onBroker("remove", () => provisioner.remove(accounts));
}

/**
 * A provisioner's failure as a BrokerUnavailable, whose 503 rolls the caller's transaction
 * back. Its cause (an address, a broker's message) is logged here, not handed to the caller.
 */
async function onBroker(what: "upsert" | "remove", call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (err instanceof BrokerUnavailable) throw err;
    console.error(`[provisioning] broker ${what} failed:`, err);
    throw new BrokerUnavailable();
  }
}
