import type { DbHandle } from "@/lib/db/client";
import { deviceGroupMembers, deviceGroups, devices, firmwareVersions } from "@/lib/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { createCampaign } from "@/lib/ota/campaigns";
import { CampaignCreate } from "@/lib/ota/schemas";
import { createTestFirmware } from "../tests/support/download-server";

/**
 * A spec's own data, written straight to the database where the UI is not what is
 * tested (each test has its own tenant: e2e/fixtures.ts).
 */

export const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** `prefix-01` … `prefix-NN`. */
export const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(2, "0")}`);

export async function seedDevices(
  db: DbHandle,
  tenantId: string,
  rows: { id: string; type?: string; fw?: string; seen?: Date }[],
) {
  await db.db.insert(devices).values(
    rows.map((r) => ({
      tenantId,
      deviceId: r.id,
      deviceType: r.type ?? null,
      fwVersion: r.fw ?? null,
      lastSeenAt: r.seen ?? null,
    })),
  );
}

export async function seedGroup(db: DbHandle, tenantId: string, groupId: string, name: string, members: string[] = []) {
  await db.db.insert(deviceGroups).values({ tenantId, groupId, name, description: `${name}, arranged by the test` });
  if (members.length)
    await db.db.insert(deviceGroupMembers).values(members.map((deviceId) => ({ tenantId, groupId, deviceId })));
}

/** A firmware registered by URL (nothing stored). */
export async function seedFirmware(
  db: DbHandle,
  tenantId: string,
  version: string,
  deviceType: string | null = "sensor-v2",
) {
  const [fw] = await db.db
    .insert(firmwareVersions)
    .values({
      tenantId,
      version,
      deviceType,
      fileUrl: `https://downloads.example.com/${version}.bin`,
      fileSizeBytes: 734_003,
      checksumSha256: "ab".repeat(32),
    })
    .returning();
  return fw!;
}

/** A group named by its id, of new sensors on 1.0.0 (ids as given). */
export async function seedSensorGroup(db: DbHandle, tenantId: string, groupId: string, deviceIds: string[]) {
  await seedDevices(
    db,
    tenantId,
    deviceIds.map((id) => ({ id, type: "sensor", fw: "1.0.0" })),
  );
  await seedGroup(db, tenantId, groupId, groupId, deviceIds);
  return deviceIds;
}

/** A campaign through the domain function the API uses (CREATED, every member PENDING). */
export async function seedCampaign(db: DbHandle, tenantId: string, fields: Record<string, unknown>) {
  const body = CampaignCreate.parse(fields);
  return withTenant(db.db, tenantId, (tx) => createCampaign(tx, tenantId, body, "e2e"));
}

type DeviceState = "SUCCESS" | "FAILED" | "DOWNLOADING" | "INSTALLING";

/**
 * Moves a campaign and some of its devices to a given state, as if it had been
 * running (the counter triggers keep its numbers exact). Devices first, status last,
 * so that the worker never sees a RUNNING campaign with devices still to dispatch.
 */
export async function arrangeCampaign(
  db: DbHandle,
  tenantId: string,
  id: number,
  status: string,
  states: Partial<Record<DeviceState, string[]>> = {},
) {
  for (const [s, list] of Object.entries(states)) {
    await db.sql`
      UPDATE ota_device_status SET status = ${s},
        progress_pct = ${s === "DOWNLOADING" ? 40 : s === "INSTALLING" ? 75 : s === "SUCCESS" ? 100 : 0},
        started_at = now() - interval '2 minutes', last_report_at = now(),
        completed_at = CASE WHEN ${s} IN ('SUCCESS', 'FAILED') THEN now() END,
        error_message = ${s === "FAILED" ? "Checksum mismatch after download" : null}
      WHERE tenant_id = ${tenantId} AND campaign_id = ${id} AND device_id = ANY(${list!})`;
  }
  await db.sql`
    UPDATE ota_campaigns SET status = ${status},
      started_at = CASE WHEN ${status} <> 'CREATED' THEN now() - interval '5 minutes' END,
      completed_at = CASE WHEN ${status} IN ('COMPLETED', 'ABORTED') THEN now() END,
      abort_reason = CASE WHEN ${status} = 'ABORTED' THEN 'Failure threshold exceeded (arranged by the test)' END
    WHERE tenant_id = ${tenantId} AND id = ${id}`;
}

/** Five campaigns, one per status, newest last: what the list tests look at. */
export async function arrangeCampaignList(db: DbHandle, tenantId: string) {
  const fw = await createTestFirmware(db.db, tenantId, { version: "2.4.0", size: 16 * 1024 });
  const base = { firmware_version_id: fw.id, abort_threshold: 0.5 };
  const done = await seedSensorGroup(db, tenantId, "depot", ids("depot", 4));
  const stopped = await seedSensorGroup(db, tenantId, "pilot", ids("pilot", 3));
  const paused = await seedSensorGroup(db, tenantId, "coast", ids("coast", 6));
  const running = await seedSensorGroup(db, tenantId, "field", ids("field", 8));
  await seedSensorGroup(db, tenantId, "lab", ids("lab", 3));

  const c1 = await seedCampaign(db, tenantId, { ...base, name: "Depot refresh", target_group_id: "depot" });
  await arrangeCampaign(db, tenantId, c1.id, "COMPLETED", { SUCCESS: done });
  const c2 = await seedCampaign(db, tenantId, { ...base, name: "Pilot trial", target_group_id: "pilot" });
  await arrangeCampaign(db, tenantId, c2.id, "ABORTED", { FAILED: stopped.slice(0, 2) });
  const c3 = await seedCampaign(db, tenantId, { ...base, name: "Coast rollout", target_group_id: "coast" });
  await arrangeCampaign(db, tenantId, c3.id, "PAUSED", { SUCCESS: paused.slice(0, 2) });
  const c4 = await seedCampaign(db, tenantId, { ...base, name: "Field rollout", target_group_id: "field" });
  await arrangeCampaign(db, tenantId, c4.id, "RUNNING", {
    SUCCESS: running.slice(0, 5),
    FAILED: running.slice(5, 6),
    DOWNLOADING: running.slice(6, 7),
    INSTALLING: running.slice(7, 8),
  });
  const c5 = await seedCampaign(db, tenantId, {
    ...base,
    name: "Lab canary",
    target_group_id: "lab",
    rollout_strategy: "canary",
    canary_percent: 34,
  });
  return { completed: c1, aborted: c2, paused: c3, running: c4, created: c5 };
}
