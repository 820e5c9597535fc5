import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { CampaignsListPage } from "./pages/campaigns-list";
import { DevicePage, DevicesPage } from "./pages/devices";
import { FirmwarePage } from "./pages/firmware";
import { GroupPage, GroupsPage } from "./pages/groups";
import { ago, arrangeCampaignList, seedDevices, seedFirmware, seedGroup } from "./seed";

/** The viewer role reads everything and is offered no action it cannot take. */

test("a viewer sees campaigns but no action they cannot take", async ({ page, db, tenant, signIn }) => {
  const { running, paused } = await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "viewer");
  const list = new CampaignsListPage(page);
  await expect(list.table.getByRole("row")).toHaveCount(6);
  await expect(list.table.getByRole("button")).toHaveCount(0);
  await expect(list.newCampaign).toHaveCount(0);

  const detail = new CampaignDetailPage(page);
  for (const c of [running, paused]) {
    await detail.goto(c.id);
    await expect(detail.heading(c.name, 1)).toBeVisible();
    await expect(detail.devicesTable).toBeVisible();
    await detail.expectNoActions();
  }
});

test("a viewer sees the fleet but no action it cannot take", async ({ page, db, tenant, signIn }) => {
  const t = tenant.tenantId;
  await seedDevices(db, t, [{ id: "sensor-001", type: "sensor-v2", fw: "1.0.0", seen: ago(1) }]);
  await seedGroup(db, t, "eu-sensors", "EU sensors", ["sensor-001"]);
  await seedFirmware(db, t, "2.0.0");
  await signIn(page, "viewer");
  const actions = page.getByRole("button", {
    name: /^(Add firmware|Delete|Register device|Create group|Add members|Remove|Delete device)/,
  });

  const library = new FirmwarePage(page);
  await library.goto();
  await expect(library.table).toContainText("2.0.0");
  await expect(page.getByRole("button", { name: "Copy SHA-256 of 2.0.0" })).toBeVisible();
  await expect(actions).toHaveCount(0);

  const fleet = new DevicesPage(page);
  await fleet.goto();
  await expect(fleet.table).toContainText("sensor-001");
  await expect(actions).toHaveCount(0);

  await new DevicePage(page).goto("sensor-001");
  await expect(page.getByText("No OTA updates yet")).toBeVisible();
  await expect(actions).toHaveCount(0);

  const groups = new GroupsPage(page);
  await groups.goto();
  await expect(groups.table).toContainText("EU sensors");
  await expect(actions).toHaveCount(0);

  const group = new GroupPage(page);
  await group.goto("eu-sensors");
  await expect(group.members("EU sensors")).toContainText("sensor-001");
  await expect(actions).toHaveCount(0);
});
