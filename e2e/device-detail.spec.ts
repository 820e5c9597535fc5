import { otaCampaigns, otaDeviceStatus } from "@/lib/db/schema";
import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { DevicePage, DevicesPage } from "./pages/devices";
import { GroupPage } from "./pages/groups";
import { ago, seedDevices, seedFirmware, seedGroup } from "./seed";
import { snap } from "./screenshot";

/** A device's own page: its facts, its OTA history, deletion, and text it sent shown safely. */

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
  const device = new DevicePage(page);
  await new DevicesPage(page).goto();
  await page.getByRole("link", { name: "sensor-042" }).click();
  await expect(page).toHaveURL(/\/app\/devices\/sensor-042$/);
  await expect(device.heading("sensor-042")).toBeVisible();
  const facts = device.facts;
  await expect(facts.nth(0)).toHaveText("sensor-v2");
  await expect(facts.nth(1)).toHaveText("2.0.0");
  await expect(facts.nth(2)).toHaveText("3 min ago");
  await expect(device.fact("Groups").getByRole("link")).toHaveText(["EU sensors", "Pilot fleet"]);

  const history = device.history;
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
  await device.delete("sensor-042");
  await expect(device.toast(`Device is in active campaign ${hotfix!.id}`)).toBeVisible();
  await expect(device.heading("sensor-042")).toBeVisible();

  // A free one can; then its page is "not found".
  await device.goto("sensor-043");
  await expect(page.getByText("No OTA updates yet")).toBeVisible();
  await device.delete("sensor-043");
  await expect(device.toast("Device sensor-043 deleted")).toBeVisible();
  await expect(page).toHaveURL(/\/app\/devices$/);
  await expect(new DevicesPage(page).table.getByRole("row")).toHaveCount(2);

  for (const id of ["sensor-043", "no-such-device"]) {
    await device.goto(id);
    await expect(page.getByRole("heading", { name: "Device not found" })).toBeVisible();
  }
  await new GroupPage(page).goto("no-such-group");
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
  await db.db.insert(otaDeviceStatus).values({
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
  const fleet = new DevicesPage(page);
  await fleet.goto();
  const row = fleet.row("sensor-rtl");
  await expect(row.getByRole("cell").nth(2)).toHaveText(fwShown);
  await expect(row.getByTitle("2.0\\u{202E}1-cr\\nbeta")).toBeVisible();
  expect(await row.innerText()).not.toMatch(/[\u202E\n]/);

  // The device page: its facts and its OTA history.
  const devicePage = new DevicePage(page);
  await devicePage.goto("sensor-rtl");
  await expect(devicePage.facts.nth(1)).toHaveText(fwShown);
  const history = devicePage.history.getByRole("row").filter({ hasText: "Hot summer" });
  await expect(history.getByText(errorShown)).toBeVisible();
  expect(await history.innerText()).not.toContain("\u202E");

  // The campaign's device table.
  const campaign = new CampaignDetailPage(page);
  await campaign.goto(c!.id);
  const device = campaign.devicesTable.getByRole("row").filter({ hasText: "sensor-rtl" });
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
