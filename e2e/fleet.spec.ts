import { createHash, randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { and, count, eq } from "drizzle-orm";
import type { DbHandle } from "@/lib/db/client";
import {
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
} from "@/lib/db/schema";
import { expect, test } from "./fixtures";
import { snap } from "./screenshot";

/**
 * The fleet pages: the firmware library, devices and groups. Each test arranges its
 * own tenant's data (directly in the database where the UI is not what is tested).
 */

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);

async function seedDevices(
  db: DbHandle,
  tenantId: string,
  rows: { id: string; type?: string; fw?: string; seen?: Date }[],
) {
  await db.db
    .insert(devices)
    .values(
      rows.map((r) => ({
        tenantId,
        deviceId: r.id,
        deviceType: r.type ?? null,
        fwVersion: r.fw ?? null,
        lastSeenAt: r.seen ?? null,
      })),
    );
}

async function seedGroup(db: DbHandle, tenantId: string, groupId: string, name: string, members: string[] = []) {
  await db.db.insert(deviceGroups).values({ tenantId, groupId, name, description: `${name}, arranged by the test` });
  if (members.length)
    await db.db.insert(deviceGroupMembers).values(members.map((deviceId) => ({ tenantId, groupId, deviceId })));
}

async function seedFirmware(db: DbHandle, tenantId: string, version: string, deviceType: string | null = "sensor-v2") {
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

const toast = (page: Page, text: string | RegExp) => page.getByRole("status").filter({ hasText: text });

/** Screenshots without the toasts of earlier steps: reload, then wait for `ready`. */
async function calmSnap(page: Page, name: string, ready: () => Promise<void>) {
  await page.reload();
  await ready();
  await snap(page, name);
}

test("an operator uploads firmware, sees the server's checksum, registers one by URL and deletes one", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "operator");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Firmware" }).click();
  await expect(page.getByRole("heading", { name: "Firmware" })).toBeVisible();
  await expect(page.getByText("No firmware yet")).toBeVisible();

  // Upload a binary, slowly enough (throttled) to watch the progress bar move.
  const binary = randomBytes(768 * 1024);
  const sha = createHash("sha256").update(binary).digest("hex");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 384 * 1024,
  });

  await page.getByRole("button", { name: "Add firmware" }).click();
  const dialog = page.getByRole("dialog", { name: "Add firmware" });
  await expect(dialog.getByRole("radio", { name: "Upload a file" })).toBeChecked();
  await dialog.getByLabel("Version").fill("2.1.0");
  await dialog.getByLabel("Device type").fill("sensor-v2");
  await dialog.getByLabel("Description").fill("Faster boot, fixes the Wi-Fi reconnect loop");
  await dialog
    .getByLabel("Firmware file")
    .setInputFiles({ name: "sensor-2.1.0.bin", mimeType: "application/octet-stream", buffer: binary });
  await snap(page, "firmware-add-dialog-form");
  await dialog.getByRole("button", { name: "Upload" }).click();
  const bar = dialog.getByRole("progressbar", { name: "Upload progress" });
  await expect(bar).toBeVisible();
  await expect
    .poll(async () => Number(await bar.getAttribute("aria-valuenow", { timeout: 1000 }).catch(() => "100")))
    .toBeGreaterThan(0);

  // The server's checksum, in full, equals the one computed here.
  await expect(dialog.getByText("Firmware 2.1.0 is in the library.")).toBeVisible({ timeout: 20_000 });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await expect(dialog.getByLabel("SHA-256", { exact: true })).toHaveText(sha);
  await expect(dialog).toContainText("768 KiB");
  await expect(dialog).toContainText(/786.432 bytes/);
  await snap(page, "firmware-add-dialog");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();

  const table = page.getByRole("table", { name: "Firmware library" });
  const row = table.getByRole("row").filter({ hasText: "2.1.0" });
  await expect(row).toContainText("sensor-v2");
  await expect(row).toContainText("768 KiB");
  await expect(row).toContainText(sha.slice(0, 12));
  await row.getByRole("button", { name: "Copy SHA-256 of 2.1.0" }).click();
  await expect(toast(page, "SHA-256 of 2.1.0 copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sha);

  // The same version for the same device type again: refused, and said beside the version.
  await page.getByRole("button", { name: "Add firmware" }).click();
  await dialog.getByLabel("Version").fill("2.1.0");
  await dialog.getByLabel("Device type").fill("sensor-v2");
  await dialog
    .getByLabel("Firmware file")
    .setInputFiles({ name: "again.bin", mimeType: "application/octet-stream", buffer: Buffer.from("again") });
  await dialog.getByRole("button", { name: "Upload" }).click();
  await expect(dialog.getByText("Firmware version already exists for this device type")).toBeVisible();
  await expect(dialog.getByLabel("Version")).toHaveAttribute("aria-invalid", "true");

  // Register one hosted elsewhere, in the same dialog.
  await dialog.getByText("Register a URL").click();
  await dialog.getByLabel("Version").fill("2.2.0-beta");
  await dialog.getByLabel("Device type").fill("sensor-v2");
  await dialog.getByLabel("Download URL").fill("https://downloads.example.com/sensor-2.2.0-beta.bin");
  const declared = "cd".repeat(32);
  await dialog.getByLabel("SHA-256 (optional)").fill(declared.toUpperCase());
  await dialog.getByLabel("Size in bytes (optional)").fill("1048576");
  await dialog.getByRole("button", { name: "Register" }).click();
  await expect(dialog.getByText("Firmware 2.2.0-beta is in the library.")).toBeVisible();
  await expect(dialog.getByLabel("SHA-256", { exact: true })).toHaveText(declared);
  await expect(dialog).toContainText("1.0 MiB");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(table.getByRole("row").filter({ hasText: "2.2.0-beta" })).toContainText("1.0 MiB");

  // A third one, for another device type, then the filter.
  await seedFirmware(db, tenant.tenantId, "5.0.1", "gateway");
  await page.reload();
  await expect(table.getByRole("row")).toHaveCount(4);
  await snap(page, "firmware-library");
  await page.getByLabel("Device type").fill("gateway");
  await expect(table.getByRole("row")).toHaveCount(2);
  await expect(table).toContainText("5.0.1");
  await page.getByLabel("Device type").fill("");
  await expect(table.getByRole("row")).toHaveCount(4);

  // A version a campaign refers to cannot be deleted: the API's reason is shown.
  const [uploaded] = await db.db
    .select()
    .from(firmwareVersions)
    .where(and(eq(firmwareVersions.tenantId, tenant.tenantId), eq(firmwareVersions.version, "2.1.0")));
  const [campaign] = await db.db
    .insert(otaCampaigns)
    .values({ tenantId: tenant.tenantId, name: "Uses 2.1.0", firmwareVersionId: uploaded!.id, targetGroupId: "all" })
    .returning();
  await row.getByRole("button", { name: "Delete 2.1.0" }).click();
  await page
    .getByRole("dialog", { name: "Delete firmware 2.1.0?" })
    .getByRole("button", { name: "Delete firmware" })
    .click();
  await expect(toast(page, `Firmware is used by campaign ${campaign!.id}`)).toBeVisible();
  await expect(row).toBeVisible();

  // One that nothing uses goes.
  await table
    .getByRole("row")
    .filter({ hasText: "2.2.0-beta" })
    .getByRole("button", { name: "Delete 2.2.0-beta" })
    .click();
  await page
    .getByRole("dialog", { name: "Delete firmware 2.2.0-beta?" })
    .getByRole("button", { name: "Delete firmware" })
    .click();
  await expect(toast(page, "Firmware 2.2.0-beta deleted")).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: "2.2.0-beta" })).toHaveCount(0);
  await expect(table.getByRole("row")).toHaveCount(3);
});

test("an operator registers devices, builds a group, adds members (all or nothing) and removes one", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  await seedDevices(db, tenant.tenantId, [
    { id: "sensor-001", type: "sensor-v2", fw: "1.0.0", seen: ago(2) },
    { id: "sensor-002", type: "sensor-v2", fw: "1.0.0", seen: ago(47) },
    { id: "sensor-003", type: "sensor-v2", fw: "2.0.0", seen: ago(60 * 26) },
    { id: "gw-001", type: "gateway", fw: "5.0.1", seen: ago(0.5) },
  ]);
  await signIn(page, "operator");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
  const devicesTable = page.getByRole("table", { name: "Devices" });
  await expect(devicesTable.getByRole("row")).toHaveCount(5);
  const seen = devicesTable.getByRole("row").filter({ hasText: "sensor-002" }).locator("time");
  await expect(seen).toHaveText("47 min ago");
  await expect(seen).toHaveAttribute("title", /\d{4}/);

  // Register one; the server's reasons appear beside the field they concern.
  await page.getByRole("button", { name: "Register device" }).click();
  const register = page.getByRole("dialog", { name: "Register device" });
  await register.getByLabel("Device ID").fill("bad id!");
  await register.getByRole("button", { name: "Register" }).click();
  await expect(register.getByText("must be 1-64 characters: letters, digits, '.', '_' or '-'")).toBeVisible();
  await register.getByLabel("Device ID").fill("sensor-001");
  await register.getByRole("button", { name: "Register" }).click();
  await expect(register.getByText("Device sensor-001 already exists")).toBeVisible();
  await register.getByLabel("Device ID").fill("sensor-004");
  await register.getByLabel("Device type").fill("sensor-v2");
  await register.getByLabel("Firmware version").fill("1.0.0");
  await register.getByRole("button", { name: "Register" }).click();
  await expect(toast(page, "Device sensor-004 registered")).toBeVisible();
  await expect(register).toBeHidden();
  await expect(devicesTable.getByRole("row").filter({ hasText: "sensor-004" })).toContainText("never");
  await expect(devicesTable.getByRole("row")).toHaveCount(6);
  await calmSnap(page, "devices-list", () => expect(devicesTable.getByRole("row")).toHaveCount(6));

  // Filters: by type, then by firmware version.
  await page.getByLabel("Device type").fill("gateway");
  await expect(devicesTable.getByRole("row")).toHaveCount(2);
  await page.getByRole("button", { name: "Clear filters" }).click();
  await page.getByLabel("Firmware version").fill("2.0.0");
  await expect(devicesTable.getByRole("row")).toHaveCount(2);
  await expect(devicesTable).toContainText("sensor-003");
  await page.getByRole("button", { name: "Clear filters" }).click();

  // A group, created in the UI.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
  await expect(page.getByText("No groups yet")).toBeVisible();
  await page.getByRole("button", { name: "Create group" }).click();
  const create = page.getByRole("dialog", { name: "Create group" });
  await create.getByLabel("Group ID").fill("eu-sensors");
  await create.getByLabel("Name").fill("EU sensors");
  await create.getByLabel("Description").fill("Every sensor in the EU region");
  await create.getByRole("button", { name: "Create" }).click();
  await expect(toast(page, "Group EU sensors created")).toBeVisible();
  const groupsTable = page.getByRole("table", { name: "Groups" });
  await expect(groupsTable.getByRole("row").filter({ hasText: "eu-sensors" })).toContainText("0");
  await groupsTable.getByRole("link", { name: "EU sensors" }).click();
  await expect(page).toHaveURL(/\/app\/groups\/eu-sensors$/);
  await expect(page.getByRole("heading", { name: "EU sensors" })).toBeVisible();
  await expect(page.getByText("No members yet")).toBeVisible();

  // One unknown id: the API adds nothing and names it.
  await page.getByRole("button", { name: "Add members" }).click();
  const add = page.getByRole("dialog", { name: "Add members to EU sensors" });
  await add.getByLabel("Device IDs").fill("sensor-001, sensor-002 nope-404");
  await add.getByRole("button", { name: "Add to group" }).click();
  await expect(add.getByRole("alert")).toContainText("Unknown devices: nope-404");
  const members = () =>
    db.db
      .select({ n: count() })
      .from(deviceGroupMembers)
      .where(and(eq(deviceGroupMembers.tenantId, tenant.tenantId), eq(deviceGroupMembers.groupId, "eu-sensors")))
      .then(([r]) => r!.n);
  expect(await members()).toBe(0);
  await add.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByText("No members yet")).toBeVisible();

  // Typed ids and a picked device together.
  await page.getByRole("button", { name: "Add members" }).click();
  await add.getByLabel("Device IDs").fill("sensor-001,sensor-002");
  await add.getByLabel("Search devices").fill("003");
  await add.getByRole("checkbox", { name: /sensor-003/ }).check();
  await expect(add.getByText("3 devices to add.")).toBeVisible();
  await add.getByRole("button", { name: "Add to group" }).click();
  await expect(toast(page, "Added 3 devices to EU sensors")).toBeVisible();
  const membersTable = page.getByRole("table", { name: "Members of EU sensors" });
  await expect(membersTable.getByRole("row")).toHaveCount(4);
  await expect(page.getByText("3 members")).toBeVisible();
  expect(await members()).toBe(3);

  // The picker offers only devices not in the group yet.
  await page.getByRole("button", { name: "Add members" }).click();
  await expect(add.getByRole("checkbox")).toHaveCount(2);
  await expect(add.getByRole("checkbox", { name: /gw-001/ })).toBeVisible();
  await add.getByRole("button", { name: "Cancel" }).click();
  await calmSnap(page, "group-detail", () => expect(membersTable.getByRole("row")).toHaveCount(4));

  await membersTable.getByRole("button", { name: "Remove sensor-002 from the group" }).click();
  await expect(toast(page, "sensor-002 removed from EU sensors")).toBeVisible();
  await expect(membersTable.getByRole("row")).toHaveCount(3);
  await expect(page.getByText("2 members")).toBeVisible();
  expect(await members()).toBe(2);

  // The device list filters by group; the group list counts members.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" }).click();
  // By role and exact name: a label match on "Group" also finds the group page's buttons while the page changes.
  await expect(page).toHaveURL(/\/app\/devices$/);
  await page.getByRole("combobox", { name: "Group", exact: true }).selectOption({ label: "EU sensors (2)" });
  await expect(devicesTable.getByRole("row")).toHaveCount(3);
  await expect(devicesTable).not.toContainText("sensor-002");

  await seedGroup(db, tenant.tenantId, "all-gateways", "All gateways", ["gw-001"]);
  await seedGroup(db, tenant.tenantId, "scratch", "Scratch");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
  await expect(groupsTable.getByRole("row").filter({ hasText: "eu-sensors" }).getByRole("cell").nth(3)).toHaveText("2");
  await expect(groupsTable.getByRole("row")).toHaveCount(4);
  await calmSnap(page, "groups-list", () => expect(groupsTable.getByRole("row")).toHaveCount(4));

  // A group that a campaign targets stays; a free one goes.
  const fw = await seedFirmware(db, tenant.tenantId, "5.0.2", "gateway");
  const [campaign] = await db.db
    .insert(otaCampaigns)
    .values({
      tenantId: tenant.tenantId,
      name: "Gateways to 5.0.2",
      firmwareVersionId: fw.id,
      targetGroupId: "all-gateways",
    })
    .returning();
  await groupsTable.getByRole("button", { name: "Delete group All gateways" }).click();
  await page
    .getByRole("dialog", { name: "Delete group All gateways?" })
    .getByRole("button", { name: "Delete group" })
    .click();
  await expect(toast(page, `Device group is targeted by active campaign ${campaign!.id}`)).toBeVisible();
  await groupsTable.getByRole("button", { name: "Delete group Scratch" }).click();
  await page
    .getByRole("dialog", { name: "Delete group Scratch?" })
    .getByRole("button", { name: "Delete group" })
    .click();
  await expect(toast(page, "Group Scratch deleted")).toBeVisible();
  await expect(groupsTable.getByRole("row")).toHaveCount(3);
});

test("the device page shows its details and OTA history; unknown ids are not found", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const t = tenant.tenantId;
  await seedDevices(db, t, [
    { id: "sensor-042", type: "sensor-v2", fw: "2.0.0", seen: ago(3) },
    { id: "sensor-043", type: "sensor-v2", fw: "1.0.0" },
  ]);
  await seedGroup(db, t, "eu-sensors", "EU sensors", ["sensor-042"]);
  await seedGroup(db, t, "pilot", "Pilot fleet", ["sensor-042"]);
  const v2 = await seedFirmware(db, t, "2.0.0");
  const v21 = await seedFirmware(db, t, "2.1.0");
  const v19 = await seedFirmware(db, t, "1.9.0");
  const campaigns = await db.db
    .insert(otaCampaigns)
    .values([
      {
        tenantId: t,
        name: "Spring rollout",
        firmwareVersionId: v19.id,
        targetGroupId: "eu-sensors",
        status: "ABORTED" as const,
        startedAt: ago(60 * 72),
        completedAt: ago(60 * 71),
      },
      {
        tenantId: t,
        name: "Move to 2.0.0",
        firmwareVersionId: v2.id,
        targetGroupId: "eu-sensors",
        status: "COMPLETED" as const,
        startedAt: ago(60 * 48),
        completedAt: ago(60 * 47),
      },
      // PAUSED, so that the worker leaves it alone, yet still an active campaign for the device.
      {
        tenantId: t,
        name: "Hotfix 2.1.0",
        firmwareVersionId: v21.id,
        targetGroupId: "pilot",
        status: "PAUSED" as const,
        startedAt: ago(10),
      },
    ])
    .returning();
  const [spring, move, hotfix] = campaigns;
  await db.db.insert(otaDeviceStatus).values([
    {
      tenantId: t,
      campaignId: spring!.id,
      deviceId: "sensor-042",
      status: "FAILED" as const,
      progressPct: 60,
      errorMessage: "checksum mismatch after download",
      startedAt: ago(60 * 72),
      completedAt: ago(60 * 71.9),
      createdAt: ago(60 * 72),
    },
    {
      tenantId: t,
      campaignId: move!.id,
      deviceId: "sensor-042",
      status: "SUCCESS" as const,
      progressPct: 100,
      startedAt: ago(60 * 48),
      completedAt: ago(60 * 47.9),
      createdAt: ago(60 * 48),
    },
    {
      tenantId: t,
      campaignId: hotfix!.id,
      deviceId: "sensor-042",
      status: "DOWNLOADING" as const,
      progressPct: 40,
      startedAt: ago(9),
      createdAt: ago(10),
    },
  ]);

  await signIn(page, "operator");
  await page.goto("/app/devices");
  await page.getByRole("link", { name: "sensor-042" }).click();
  await expect(page).toHaveURL(/\/app\/devices\/sensor-042$/);
  await expect(page.getByRole("heading", { name: "sensor-042" })).toBeVisible();
  const facts = page.getByRole("definition");
  await expect(facts.nth(0)).toHaveText("sensor-v2");
  await expect(facts.nth(1)).toHaveText("2.0.0");
  await expect(facts.nth(2)).toHaveText("3 min ago");
  await expect(facts.nth(4).getByRole("link")).toHaveText(["EU sensors", "Pilot fleet"]);

  const history = page.getByRole("table", { name: "OTA history" });
  const rows = history.getByRole("row");
  await expect(rows).toHaveCount(4);
  // Newest first.
  await expect(rows.nth(1)).toContainText("Hotfix 2.1.0");
  await expect(rows.nth(1)).toContainText("DOWNLOADING");
  await expect(rows.nth(1).getByRole("progressbar", { name: "Progress in Hotfix 2.1.0" })).toHaveAttribute(
    "aria-valuenow",
    "40",
  );
  await expect(rows.nth(2)).toContainText("SUCCESS");
  await expect(rows.nth(3)).toContainText("FAILED");
  await expect(rows.nth(3)).toContainText("checksum mismatch after download");
  await expect(history.getByRole("link", { name: "Move to 2.0.0" })).toHaveAttribute(
    "href",
    `/app/ota/campaigns/${move!.id}`,
  );
  await snap(page, "device-detail");

  // A device that an active campaign still has to update cannot be deleted.
  await page.getByRole("button", { name: "Delete device" }).click();
  await page
    .getByRole("dialog", { name: "Delete device sensor-042?" })
    .getByRole("button", { name: "Delete device" })
    .click();
  await expect(toast(page, `Device is in active campaign ${hotfix!.id}`)).toBeVisible();
  await expect(page.getByRole("heading", { name: "sensor-042" })).toBeVisible();

  // A free one can; then its page is "not found".
  await page.goto("/app/devices/sensor-043");
  await expect(page.getByText("No OTA updates yet")).toBeVisible();
  await page.getByRole("button", { name: "Delete device" }).click();
  await page
    .getByRole("dialog", { name: "Delete device sensor-043?" })
    .getByRole("button", { name: "Delete device" })
    .click();
  await expect(toast(page, "Device sensor-043 deleted")).toBeVisible();
  await expect(page).toHaveURL(/\/app\/devices$/);
  await expect(page.getByRole("table", { name: "Devices" }).getByRole("row")).toHaveCount(2);

  for (const url of ["/app/devices/sensor-043", "/app/devices/no-such-device"]) {
    await page.goto(url);
    await expect(page.getByRole("heading", { name: "Device not found" })).toBeVisible();
  }
  await page.goto("/app/groups/no-such-group");
  await expect(page.getByRole("heading", { name: "Group not found" })).toBeVisible();
});

test("text a device sent is shown, not obeyed: bidi overrides and newlines appear as placeholders", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const t = tenant.tenantId;
  // As a device could report them: a right-to-left override that would reverse the rest
  // of the row, and a newline that would start a line of its own.
  const fw = "2.0\u202E1-cr\nbeta";
  const error = "Überhitzung 🔥 \u202Edaolnwod\nOK: updated";
  const fwShown = "2.0⟨U+202E⟩1-cr⟨U+000A⟩beta";
  const errorShown = "Überhitzung 🔥 ⟨U+202E⟩daolnwod⟨U+000A⟩OK: updated";
  await seedDevices(db, t, [{ id: "sensor-rtl", type: "sensor-v2", fw, seen: ago(2) }]);
  await seedGroup(db, t, "rtl", "RTL sensors", ["sensor-rtl"]);
  const v3 = await seedFirmware(db, t, "3.0.0");
  const [c] = await db.db
    .insert(otaCampaigns)
    .values({
      tenantId: t,
      name: "Hot summer",
      firmwareVersionId: v3.id,
      targetGroupId: "rtl",
      status: "ABORTED" as const,
      startedAt: ago(30),
      completedAt: ago(20),
    })
    .returning();
  await db.db
    .insert(otaDeviceStatus)
    .values({
      tenantId: t,
      campaignId: c!.id,
      deviceId: "sensor-rtl",
      status: "FAILED" as const,
      progressPct: 30,
      errorMessage: error,
      startedAt: ago(30),
      completedAt: ago(25),
      probeCount: 1,
      probedAt: ago(26),
    });
  await signIn(page, "operator");

  // The devices list: the version as placeholders, the exact value escaped in its title.
  await page.goto("/app/devices");
  const row = page.getByRole("table", { name: "Devices" }).getByRole("row").filter({ hasText: "sensor-rtl" });
  await expect(row.getByRole("cell").nth(2)).toHaveText(fwShown);
  await expect(row.getByTitle("2.0\\u{202E}1-cr\\nbeta")).toBeVisible();
  expect(await row.innerText()).not.toMatch(/[\u202E\n]/);

  // The device page: its facts and its OTA history.
  await page.goto("/app/devices/sensor-rtl");
  await expect(page.getByRole("definition").nth(1)).toHaveText(fwShown);
  const history = page.getByRole("table", { name: "OTA history" }).getByRole("row").filter({ hasText: "Hot summer" });
  await expect(history.getByText(errorShown)).toBeVisible();
  expect(await history.innerText()).not.toContain("\u202E");

  // The campaign's device table.
  await page.goto(`/app/ota/campaigns/${c!.id}`);
  const device = page
    .getByRole("table", { name: "Devices in this campaign" })
    .getByRole("row")
    .filter({ hasText: "sensor-rtl" });
  await expect(device.getByText(errorShown)).toBeVisible();
  expect(await device.innerText()).not.toContain("\u202E");
  // It had gone silent, and was asked again before it was judged.
  await expect(device.getByText("asked again")).toHaveAttribute(
    "title",
    /command was sent again once before judging it/,
  );

  // Stored as received: the API still answers the device's own text.
  const api = await page.request.get("/customer/devices/sensor-rtl");
  expect((await api.json()).fw_version).toBe(fw);
});

test("a viewer sees the fleet but no action it cannot take", async ({ page, db, tenant, signIn }) => {
  const t = tenant.tenantId;
  await seedDevices(db, t, [{ id: "sensor-001", type: "sensor-v2", fw: "1.0.0", seen: ago(1) }]);
  await seedGroup(db, t, "eu-sensors", "EU sensors", ["sensor-001"]);
  await seedFirmware(db, t, "2.0.0");
  await signIn(page, "viewer");
  const actions = /^(Add firmware|Delete|Register device|Create group|Add members|Remove|Delete device)/;

  await page.goto("/app/ota/firmware");
  await expect(page.getByRole("table", { name: "Firmware library" })).toContainText("2.0.0");
  await expect(page.getByRole("button", { name: "Copy SHA-256 of 2.0.0" })).toBeVisible();
  await expect(page.getByRole("button", { name: actions })).toHaveCount(0);

  await page.goto("/app/devices");
  await expect(page.getByRole("table", { name: "Devices" })).toContainText("sensor-001");
  await expect(page.getByRole("button", { name: actions })).toHaveCount(0);

  await page.goto("/app/devices/sensor-001");
  await expect(page.getByText("No OTA updates yet")).toBeVisible();
  await expect(page.getByRole("button", { name: actions })).toHaveCount(0);

  await page.goto("/app/groups");
  await expect(page.getByRole("table", { name: "Groups" })).toContainText("EU sensors");
  await expect(page.getByRole("button", { name: actions })).toHaveCount(0);

  await page.goto("/app/groups/eu-sensors");
  await expect(page.getByRole("table", { name: "Members of EU sensors" })).toContainText("sensor-001");
  await expect(page.getByRole("button", { name: actions })).toHaveCount(0);
});
