import { expect } from "vitest";
import * as groupRoute from "@/app/customer/device-groups/[group_id]/route";
import type { DbHandle } from "@/lib/db/client";
import { deviceGroupMembers, deviceGroups, devices, firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import type { CampaignStatus, DeviceStatus } from "@/lib/db/schema/campaigns";
import { callAs as as, type Handler, type Role } from "./api";
import type { TestTenant } from "./db";

/**
 * Helpers of the device and group API tests (tests/integration/devices*.test.ts,
 * device-groups*.test.ts): calls as a tenant's user, and rows arranged directly.
 */
export const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
// Spelled out rather than imported from lib/rules/statuses.ts: the tests state what they
// expect, so that a change to the rule there fails here until it is meant.
export const ACTIVE: CampaignStatus[] = ["CREATED", "RUNNING", "PAUSED"];
export const IN_FLIGHT: DeviceStatus[] = ["PENDING", "DOWNLOADING", "INSTALLING"];
export const NOT_FOUND = { detail: expect.any(String), code: "not_found" };

export { callAs as as } from "./api";
export const del = (t: TestTenant, handler: Handler, params: Record<string, string>, role: Role = "operator") =>
  as(t, role, handler, { params, method: "DELETE" });

export const memberCount = async (t: TestTenant, groupId: string) =>
  (await as(t, "viewer", groupRoute.GET, { params: { group_id: groupId } })).body.member_count as number;
export const deviceIds = (body: { devices: { device_id: string }[] }) => body.devices.map((d) => d.device_id);

/** Devices, groups and campaigns of a tenant, inserted directly through `handle`. */
export function seeders(handle: DbHandle) {
  const seedDevices = (t: TestTenant, rows: [id: string, type?: string, fw?: string][]) =>
    handle.db
      .insert(devices)
      .values(
        rows.map(([deviceId, deviceType, fwVersion]) => ({ tenantId: t.tenantId, deviceId, deviceType, fwVersion })),
      );
  async function seedGroup(t: TestTenant, groupId: string, members: string[] = [], name = `Group ${groupId}`) {
    await handle.db.insert(deviceGroups).values({ tenantId: t.tenantId, groupId, name });
    if (members.length)
      await handle.db
        .insert(deviceGroupMembers)
        .values(members.map((deviceId) => ({ tenantId: t.tenantId, groupId, deviceId })));
  }
  let fwSeq = 0;
  async function seedCampaign(
    t: TestTenant,
    targetGroupId: string,
    status: CampaignStatus,
    name = `campaign ${status}`,
  ) {
    const version = `9.${++fwSeq}.0`;
    const [fw] = await handle.db
      .insert(firmwareVersions)
      .values({ tenantId: t.tenantId, version, fileUrl: `http://x/${version}.bin` })
      .returning();
    const [c] = await handle.db
      .insert(otaCampaigns)
      .values({ tenantId: t.tenantId, name, firmwareVersionId: fw!.id, targetGroupId, status })
      .returning();
    return { id: c!.id, version };
  }
  return { seedDevices, seedGroup, seedCampaign };
}
