import * as list from "@/app/customer/ota/campaigns/route";
import type { DbHandle } from "@/lib/db/client";
import { deviceGroupMembers, deviceGroups, devices, firmwareVersions } from "@/lib/db/schema";
import { callAs, type Handler, type Role } from "./api";
import { createTestTenant, type TestTenant } from "./db";

/** Helpers of the campaign API tests (tests/integration/campaigns-*.test.ts). */
export interface Fleet {
  t: TestTenant;
  fw: number;
  noChecksumFw: number;
  anyTypeFw: number;
}

/** A tenant with firmware 2.0.0 for "sensor" and a group per scenario. */
export async function fleet(handle: DbHandle, label: string): Promise<Fleet> {
  const t = await createTestTenant(handle, label);
  const tenantId = t.tenantId;
  const sha = "ab".repeat(32);
  const [fw, noSum, anyType] = await handle.db
    .insert(firmwareVersions)
    .values([
      { tenantId, version: "2.0.0", fileUrl: "http://x/2.bin", checksumSha256: sha, deviceType: "sensor" },
      { tenantId, version: "2.0.1", fileUrl: "http://x/3.bin", deviceType: "sensor" },
      { tenantId, version: "3.0.0", fileUrl: "http://x/4.bin", checksumSha256: sha },
    ])
    .returning();
  const ids = Array.from({ length: 12 }, (_, i) => `dev-${String(i + 1).padStart(2, "0")}`);
  await handle.db.insert(devices).values(
    ids.map((deviceId, i) => ({
      tenantId,
      deviceId,
      // dev-01 is a gateway, dev-02 already runs 2.0.0, the rest are sensors on 1.0.0
      deviceType: i === 0 ? "gateway" : "sensor",
      fwVersion: i === 1 ? "2.0.0" : "1.0.0",
    })),
  );
  await handle.db.insert(deviceGroups).values([
    { tenantId, groupId: "all", name: "All" },
    { tenantId, groupId: "empty", name: "Empty" },
    { tenantId, groupId: "odd", name: "Only ineligible" },
  ]);
  await handle.db
    .insert(deviceGroupMembers)
    .values([
      ...ids.map((deviceId) => ({ tenantId, groupId: "all", deviceId })),
      { tenantId, groupId: "odd", deviceId: "dev-01" },
      { tenantId, groupId: "odd", deviceId: "dev-02" },
    ]);
  return { t, fw: fw!.id, noChecksumFw: noSum!.id, anyTypeFw: anyType!.id };
}

/** Creates a campaign of the fleet's firmware 2.0.0 for its group "all"; `body` overrides. */
export const create = (f: Fleet, body: Record<string, unknown>, role: Role = "operator") =>
  callAs(f.t, role, list.POST, {
    body: { name: "Roll out", firmware_version_id: f.fw, target_group_id: "all", ...body },
  });
/** Sends a transition (a start, pause or abort handler) to campaign `id`. */
export const act = (f: Fleet, handler: Handler, id: number | string, role: Role = "operator") =>
  callAs(f.t, role, handler, { params: { id: String(id) }, method: "POST" });
