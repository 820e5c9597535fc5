import { and, asc, eq } from "drizzle-orm";
import type { Db } from "@/lib/db/client";
import { deviceGroupMembers, devices } from "@/lib/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { getGroup } from "@/lib/ota/groups";
import type { DeviceRef } from "./fleet";

/**
 * The registered devices to simulate, with the firmware version the registry has for
 * each: a group's members, or (no group) every device of the tenant. Read as the tenant, under row-level security like any tenant read.
 * Throws NotFound for a group the tenant does not have.
 */
export async function devicesToSimulate(db: Db, tenantId: string, groupId?: string): Promise<DeviceRef[]> {
  const ids = await withTenant(db, tenantId, async (tx) => {
    if (groupId) {
      await getGroup(tx, tenantId, groupId);
      return tx
        .select({ deviceId: devices.deviceId, version: devices.fwVersion })
        .from(deviceGroupMembers)
        .innerJoin(
          devices,
          and(eq(devices.tenantId, deviceGroupMembers.tenantId), eq(devices.deviceId, deviceGroupMembers.deviceId)),
        )
        .where(and(eq(deviceGroupMembers.tenantId, tenantId), eq(deviceGroupMembers.groupId, groupId)))
        .orderBy(asc(deviceGroupMembers.deviceId));
    }
    return tx
      .select({ deviceId: devices.deviceId, version: devices.fwVersion })
      .from(devices)
      .where(eq(devices.tenantId, tenantId))
      .orderBy(asc(devices.deviceId));
  });
  return ids.map(({ deviceId, version }) => ({ tenantId, deviceId, version }));
}
