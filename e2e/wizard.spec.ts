import { and, eq } from "drizzle-orm";
import type { DbHandle } from "@/lib/db/client";
import { deviceGroupMembers, deviceGroups, devices, firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { WizardPage } from "./pages/wizard";
import { snap } from "./screenshot";

/**
 * The New campaign wizard, end to end: firmware and a group arranged in the database,
 * then picked, configured, reviewed and created in Chromium, and the campaign checked
 * in the database.
 */

const CHECKSUM = "3f".repeat(32);

/**
 * Three firmware (two for sensor-v2, one for a gateway), a group of twelve devices
 * (ten eligible sensors, one gateway, one sensor already on 3.1.0) and an empty group.
 */
async function arrange(db: DbHandle, tenantId: string) {
  const [fw] = await db.db
    .insert(firmwareVersions)
    .values([
      {
        tenantId,
        version: "3.1.0",
        deviceType: "sensor-v2",
        description: "Battery fix and faster radio wake-up",
        fileUrl: "https://downloads.example.com/sensor-v2/3.1.0.bin",
        fileSizeBytes: 1_572_864,
        checksumSha256: CHECKSUM,
      },
      {
        tenantId,
        version: "3.0.0",
        deviceType: "sensor-v2",
        fileUrl: "https://downloads.example.com/sensor-v2/3.0.0.bin",
        fileSizeBytes: 1_500_000,
        checksumSha256: CHECKSUM,
      },
      {
        tenantId,
        version: "2.0.0",
        deviceType: "gateway",
        fileUrl: "https://downloads.example.com/gateway/2.0.0.bin",
        fileSizeBytes: 8_388_608,
        checksumSha256: CHECKSUM,
      },
    ])
    .returning();
  const sensors = Array.from({ length: 10 }, (_, i) => `wiz-sensor-${String(i + 1).padStart(2, "0")}`);
  await db.db
    .insert(devices)
    .values([
      ...sensors.map((deviceId) => ({ tenantId, deviceId, deviceType: "sensor-v2", fwVersion: "3.0.0" })),
      { tenantId, deviceId: "wiz-sensor-11", deviceType: "sensor-v2", fwVersion: "3.1.0" },
      { tenantId, deviceId: "wiz-gateway-01", deviceType: "gateway", fwVersion: "1.9.0" },
    ]);
  await db.db.insert(deviceGroups).values([
    { tenantId, groupId: "wizard-fleet", name: "Sensor fleet" },
    { tenantId, groupId: "empty-group", name: "Empty group" },
  ]);
  await db.db.insert(deviceGroupMembers).values(
    [...sensors, "wiz-sensor-11", "wiz-gateway-01"].map((deviceId) => ({
      tenantId,
      groupId: "wizard-fleet",
      deviceId,
    })),
  );
  return { firmwareId: fw!.id };
}

/** Steps 1 and 2 with the arranged data: sensor firmware 3.1.0 onto the sensor fleet. */
async function pickFirmwareAndGroup(wizard: WizardPage) {
  await wizard.goto();
  await wizard.deviceType.selectOption("sensor-v2");
  await wizard.option(/3\.1\.0/).check();
  await wizard.next.click();
  await wizard.option("Sensor fleet").check();
  await expect(wizard.page.getByText("12 members, 10 eligible")).toBeVisible();
  await wizard.next.click();
  await expect(wizard.currentStep).toContainText("Settings");
}

test("an operator creates and starts a canary campaign through the wizard", async ({ page, db, tenant, signIn }) => {
  const { firmwareId } = await arrange(db, tenant.tenantId);
  await signIn(page, "operator");
  const wizard = new WizardPage(page);
  await page.getByRole("link", { name: "New campaign" }).first().click();
  await expect(page).toHaveURL(/\/app\/ota\/campaigns\/new$/);
  await expect(wizard.heading("New campaign")).toBeVisible();

  // 1. Firmware, filtered by device type.
  await expect(wizard.currentStep).toContainText("Firmware");
  await expect(wizard.option(/2\.0\.0/)).toBeVisible();
  await expect(wizard.next).toBeDisabled();
  await wizard.deviceType.selectOption("sensor-v2");
  await expect(wizard.option(/2\.0\.0/)).toHaveCount(0);
  await expect(page.getByRole("radio")).toHaveCount(2);
  const firmware = wizard.option(/3\.1\.0/);
  await expect(firmware).toHaveAccessibleDescription(/1\.5 MiB · created/);
  await firmware.check();
  await snap(page, "wizard-1-firmware");
  await wizard.next.click();

  // 2. Group: an empty one is refused with the API's reason; the fleet shows who is eligible.
  await expect(wizard.currentStep).toContainText("Target group");
  await expect(wizard.option("Sensor fleet")).toHaveAccessibleDescription(/12 members/);
  await wizard.option("Empty group").check();
  await expect(page.getByText("Device group has no members")).toBeVisible();
  await expect(wizard.next).toBeDisabled();
  await wizard.option("Sensor fleet").check();
  await expect(
    page.getByText("12 members, 10 eligible; skipped: 1 already up to date, 1 incompatible device type"),
  ).toBeVisible();
  await expect(wizard.next).toBeEnabled();
  await snap(page, "wizard-2-group");
  await wizard.next.click();

  // 3. Settings: canary with a share; the preview is computed from the real 1 s tick.
  await expect(wizard.currentStep).toContainText("Settings");
  const preview = wizard.preview;
  await expect(preview).toContainText(
    "10 eligible devices, 10 every 1 s: about 1 s if all succeed; aborts if more than 10% of at least 10 finished devices fail.",
  );
  await expect(wizard.canaryShare).toHaveCount(0);
  await wizard.name.fill("Sensors to 3.1.0");
  await wizard.option(/Canary/).check();
  await wizard.canaryShare.fill("10");
  await wizard.rolloutRate.fill("5");
  await wizard.abortThreshold.fill("20");
  await wizard.minimumSample.fill("4");
  await wizard.timeoutUnit.selectOption("minutes");
  await expect(wizard.timeout).toHaveValue("30");
  await wizard.timeout.fill("15");
  await wizard.maxInFlight.fill("8");
  await expect(preview).toContainText(
    "10 eligible devices, 5 every 1 s (at most 8 devices in progress at a time), first 1 device as a canary, then the rest: " +
      "about 3 s if all succeed; aborts if more than 20% of the canary or of at least 4 finished devices fail.",
  );
  await snap(page, "wizard-3-settings");
  await wizard.next.click();

  // 4. Review, then create and start.
  await expect(wizard.currentStep).toContainText("Review");
  await expect(wizard.summary).toContainText("Sensors to 3.1.0");
  await expect(wizard.summary).toContainText("Canary: 10% first (1 device)");
  await expect(wizard.summary).toContainText("15 min (900 s)");
  await expect(wizard.summary).toContainText("20%");
  await wizard.startNow.check();
  await snap(page, "wizard-4-review");
  await wizard.create.click();

  await expect(page).toHaveURL(/\/app\/ota\/campaigns\/\d+$/);
  await expect(page.getByText("Campaign “Sensors to 3.1.0” created and started")).toBeVisible();
  await expect(wizard.heading("Sensors to 3.1.0", 1)).toBeVisible();
  const id = new CampaignDetailPage(page).idFromUrl();

  const [row] = await db.db
    .select()
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenant.tenantId), eq(otaCampaigns.id, id)));
  expect(row).toMatchObject({
    name: "Sensors to 3.1.0",
    firmwareVersionId: firmwareId,
    targetGroupId: "wizard-fleet",
    rolloutStrategy: "canary",
    canaryPercent: 10,
    rolloutRate: 5,
    abortMinDevices: 4,
    deviceTimeoutSeconds: 900,
    maxInFlight: 8,
    totalDevices: 12,
    eligibleDevices: 10,
    canarySize: 1,
    status: "RUNNING",
  });
  expect(row!.abortThreshold).toBeCloseTo(0.2, 10);
});

test("a server validation error shows beside its field and takes the user back to it", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  await arrange(db, tenant.tenantId);
  await signIn(page, "operator");
  const wizard = new WizardPage(page);
  await pickFirmwareAndGroup(wizard);

  // The form leaves the name's length to the API, which allows 100 characters.
  const tooLong = `Sensors ${"x".repeat(93)}`;
  expect(tooLong).toHaveLength(101);
  await wizard.name.fill(tooLong);
  await wizard.next.click();
  await wizard.create.click();

  await expect(wizard.currentStep).toContainText("Settings");
  const name = wizard.name;
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveAccessibleDescription(/100/);
  await expect(page.getByText("The campaign was not created: check the highlighted fields")).toBeVisible();
  // Unchanged, the field keeps its message and the wizard stays here.
  await wizard.next.click();
  await expect(wizard.currentStep).toContainText("Settings");

  await name.fill("Sensors, default settings");
  await expect(name).not.toHaveAttribute("aria-invalid", "true");
  await wizard.next.click();
  await wizard.create.click();
  await expect(page).toHaveURL(/\/app\/ota\/campaigns\/\d+$/);
  const id = new CampaignDetailPage(page).idFromUrl();
  const [row] = await db.db
    .select()
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenant.tenantId), eq(otaCampaigns.id, id)));
  // Not started, with the defaults.
  expect(row).toMatchObject({
    name: "Sensors, default settings",
    status: "CREATED",
    rolloutStrategy: "linear",
    rolloutRate: 10,
    abortMinDevices: 10,
    deviceTimeoutSeconds: 1800,
    maxInFlight: null,
  });
  expect(row!.abortThreshold).toBeCloseTo(0.1, 10);
});

test("the form's own checks stop Next on step 3", async ({ page, db, tenant, signIn }) => {
  await arrange(db, tenant.tenantId);
  await signIn(page, "admin");
  const wizard = new WizardPage(page);
  await pickFirmwareAndGroup(wizard);
  await wizard.option(/Canary/).check();
  await wizard.canaryShare.fill("80");
  await wizard.abortThreshold.fill("150");
  await wizard.next.click();
  await expect(wizard.currentStep).toContainText("Settings");
  await expect(wizard.name).toHaveAccessibleDescription("Give the campaign a name");
  await expect(wizard.canaryShare).toHaveAccessibleDescription("Must be at most 50");
  await expect(wizard.abortThreshold).toHaveAccessibleDescription("Enter a percentage from 0 to 100");
  await expect(wizard.name).toBeFocused();
});

test("the wizard says where to go when there is no firmware or no group", async ({ page, db, tenant, signIn }) => {
  await signIn(page, "operator");
  const wizard = new WizardPage(page);
  await wizard.goto();
  await expect(page.getByText("No firmware yet")).toBeVisible();
  await expect(page.getByRole("link", { name: "Add firmware in the library" })).toHaveAttribute(
    "href",
    "/app/ota/firmware",
  );

  await db.db.insert(firmwareVersions).values({
    tenantId: tenant.tenantId,
    version: "1.0.0",
    fileUrl: "https://downloads.example.com/1.0.0.bin",
    checksumSha256: CHECKSUM,
  });
  await page.reload();
  await wizard.option(/1\.0\.0/).check();
  await wizard.next.click();
  await expect(page.getByText("No device groups yet")).toBeVisible();
  await expect(page.getByRole("link", { name: "Create a group" })).toHaveAttribute("href", "/app/groups");
  await expect(wizard.next).toBeDisabled();
});

test("a viewer sees no wizard", async ({ page, db, tenant, signIn }) => {
  await arrange(db, tenant.tenantId);
  await signIn(page, "viewer");
  const wizard = new WizardPage(page);
  await wizard.goto();
  await expect(page.getByText("You need the operator role to create campaigns.")).toBeVisible();
  await expect(wizard.steps).toHaveCount(0);
  await expect(page.getByRole("radio")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Next|Create campaign/ })).toHaveCount(0);
});
