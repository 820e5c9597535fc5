import { and, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "@/lib/db/client";
import { devices } from "@/lib/db/schema";
import { NotFound } from "@/lib/errors";
import { deviceCredentials, newDeviceSecret, type DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { brokerProvisioner, type BrokerProvisioner } from "@/lib/mqtt/provisioning";

/**
 * Issues new MQTT credentials to these devices of the tenant: a fresh secret each, its
 * hash stored, `credentials_version` bumped (the old password stops working at once on
 * every broker that asks the database; brokers with their own accounts are re-provisioned
 * here, before the transaction commits). Returns the passwords, which exist nowhere else
 * from now on: the caller hands them out once.
 *
 * One UPDATE for the whole list (set-based: a bulk registration of 100,000 devices is one
 * statement, not 100,000).
 */
export async function issueDeviceCredentials(
  tx: Tx,
  tenantId: string,
  deviceIds: string[],
  provisioner: BrokerProvisioner = brokerProvisioner(),
): Promise<Map<string, DeviceMqttCredentials>> {
  const issued = new Map<string, DeviceMqttCredentials>();
  if (deviceIds.length === 0) return issued;
  const secrets = deviceIds.map(() => newDeviceSecret());
  const updated = await tx.execute<{ device_id: string }>(sql`
    UPDATE devices d SET
      mqtt_secret_hash = v.hash, credentials_version = d.credentials_version + 1, credentials_issued_at = now()
    FROM unnest(${deviceIds}::text[], ${secrets.map((s) => s.hash)}::text[]) AS v(device_id, hash)
    WHERE d.tenant_id = ${tenantId} AND d.device_id = v.device_id
    RETURNING d.device_id`);
  if (updated.length !== deviceIds.length) {
    const found = new Set(updated.map((r) => r.device_id));
    throw new NotFound(`Device ${deviceIds.find((d) => !found.has(d))} not found`);
  }
  deviceIds.forEach((deviceId, i) => issued.set(deviceId, deviceCredentials(tenantId, deviceId, secrets[i]!.password)));
  await provisioner.upsert(deviceIds.map((deviceId, i) => ({ tenantId, deviceId, password: secrets[i]!.password })));
  return issued;
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
  await provisioner.remove(deviceIds.map((deviceId) => ({ tenantId, deviceId })));
}
