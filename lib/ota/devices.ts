import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx, Tx } from "@/lib/db/client";
import {
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
} from "@/lib/db/schema";
import { Conflict, NotFound } from "@/lib/errors";
import { brokerProvisioner, type BrokerProvisioner } from "@/lib/mqtt/provisioning";
import { ACTIVE_DEVICE_STATUSES, OPEN_CAMPAIGN_STATUSES } from "@/lib/rules/statuses";
import { removeDeviceAccounts } from "./credentials";
import { iso } from "./json";
import type { DeviceListQuery, Pagination } from "./schemas";
import type { z } from "zod";

type DeviceRow = typeof devices.$inferSelect;

export function deviceJson(d: DeviceRow) {
  return {
    device_id: d.deviceId,
    device_type: d.deviceType,
    fw_version: d.fwVersion,
    last_seen_at: iso(d.lastSeenAt),
    created_at: iso(d.createdAt),
    // Whether the device can connect to the broker, and since when: never the hash itself.
    has_credentials: d.mqttSecretHash !== null,
    credentials_issued_at: iso(d.credentialsIssuedAt),
  };
}

/** `GET /customer/devices`: by device id; filters by type, firmware version and group. */
export async function listDevices(tx: DbOrTx, tenantId: string, q: DeviceListQuery) {
  const where = and(
    eq(devices.tenantId, tenantId),
    q.device_type ? eq(devices.deviceType, q.device_type) : undefined,
    q.fw_version ? eq(devices.fwVersion, q.fw_version) : undefined,
    q.group_id
      ? // Outer columns written out in full: an unqualified name would bind to `m` (see groups.ts).
        sql`EXISTS (SELECT 1 FROM device_group_members m WHERE m.tenant_id = devices.tenant_id
                   AND m.device_id = devices.device_id AND m.group_id = ${q.group_id})`
      : undefined,
  );
  const [rows, [totals]] = await Promise.all([
    tx.select().from(devices).where(where).orderBy(asc(devices.deviceId)).limit(q.limit).offset(q.offset),
    tx.select({ total: count() }).from(devices).where(where),
  ]);
  return { devices: rows.map(deviceJson), total: totals?.total ?? 0, limit: q.limit, offset: q.offset };
}

export async function findDevice(tx: DbOrTx, tenantId: string, deviceId: string) {
  const [row] = await tx
    .select()
    .from(devices)
    .where(and(eq(devices.tenantId, tenantId), eq(devices.deviceId, deviceId)));
  if (!row) throw new NotFound("Device not found");
  return row;
}

/** `GET /customer/devices/{device_id}`: the device and the groups it is in. */
export async function getDevice(tx: DbOrTx, tenantId: string, deviceId: string) {
  const row = await findDevice(tx, tenantId, deviceId);
  const groups = await tx
    .select({ group_id: deviceGroups.groupId, name: deviceGroups.name })
    .from(deviceGroupMembers)
    .innerJoin(
      deviceGroups,
      and(eq(deviceGroups.tenantId, deviceGroupMembers.tenantId), eq(deviceGroups.groupId, deviceGroupMembers.groupId)),
    )
    .where(and(eq(deviceGroupMembers.tenantId, tenantId), eq(deviceGroupMembers.deviceId, deviceId)))
    .orderBy(asc(deviceGroups.groupId));
  return { ...deviceJson(row), groups };
}

/**
 * `DELETE /customer/devices/{device_id}`: refused while an open campaign still has it to
 * update. Its credentials go with the row; a broker that keeps its own accounts loses the
 * device's before the deletion commits (and the deletion fails if it cannot).
 */
export async function deleteDevice(
  tx: Tx,
  tenantId: string,
  deviceId: string,
  provisioner: BrokerProvisioner = brokerProvisioner(),
) {
  await findDevice(tx, tenantId, deviceId);
  const [busy] = await tx
    .select({ campaignId: otaDeviceStatus.campaignId })
    .from(otaDeviceStatus)
    .innerJoin(
      otaCampaigns,
      and(eq(otaCampaigns.tenantId, otaDeviceStatus.tenantId), eq(otaCampaigns.id, otaDeviceStatus.campaignId)),
    )
    .where(
      and(
        eq(otaDeviceStatus.tenantId, tenantId),
        eq(otaDeviceStatus.deviceId, deviceId),
        inArray(otaCampaigns.status, [...OPEN_CAMPAIGN_STATUSES]),
        inArray(otaDeviceStatus.status, [...ACTIVE_DEVICE_STATUSES]),
      ),
    )
    .limit(1);
  if (busy) throw new Conflict(`Device is in active campaign ${busy.campaignId}`);
  await tx.delete(devices).where(and(eq(devices.tenantId, tenantId), eq(devices.deviceId, deviceId)));
  await removeDeviceAccounts([{ tenantId, deviceId }], provisioner);
}

/** `GET /customer/devices/{device_id}/ota`: every campaign the device was part of, newest first. */
export async function deviceOtaHistory(tx: DbOrTx, tenantId: string, deviceId: string, q: z.infer<typeof Pagination>) {
  await findDevice(tx, tenantId, deviceId);
  const where = and(eq(otaDeviceStatus.tenantId, tenantId), eq(otaDeviceStatus.deviceId, deviceId));
  const [rows, [totals]] = await Promise.all([
    tx
      .select({
        s: otaDeviceStatus,
        name: otaCampaigns.name,
        campaignStatus: otaCampaigns.status,
        version: firmwareVersions.version,
      })
      .from(otaDeviceStatus)
      .innerJoin(
        otaCampaigns,
        and(eq(otaCampaigns.tenantId, otaDeviceStatus.tenantId), eq(otaCampaigns.id, otaDeviceStatus.campaignId)),
      )
      .innerJoin(
        firmwareVersions,
        and(
          eq(firmwareVersions.tenantId, otaCampaigns.tenantId),
          eq(firmwareVersions.id, otaCampaigns.firmwareVersionId),
        ),
      )
      .where(where)
      .orderBy(desc(otaDeviceStatus.createdAt), desc(otaDeviceStatus.id))
      .limit(q.limit)
      .offset(q.offset),
    tx.select({ total: count() }).from(otaDeviceStatus).where(where),
  ]);
  return {
    device_id: deviceId,
    history: rows.map(({ s, name, campaignStatus, version }) => ({
      campaign_id: s.campaignId,
      campaign_name: name,
      campaign_status: campaignStatus,
      firmware_version: version,
      status: s.status,
      progress_pct: s.progressPct,
      error_message: s.errorMessage,
      started_at: iso(s.startedAt),
      completed_at: iso(s.completedAt),
      created_at: iso(s.createdAt),
    })),
    total: totals?.total ?? 0,
    limit: q.limit,
    offset: q.offset,
  };
}
