import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { CampaignsListPage } from "./pages/campaigns-list";
import { DevicePage, DevicesPage } from "./pages/devices";
import { FirmwarePage } from "./pages/firmware";
import { GroupPage, GroupsPage } from "./pages/groups";
import { LoginPage } from "./pages/login";
import { TrustPage } from "./pages/trust";
import { WizardPage } from "./pages/wizard";
import { arrangeCampaignList, ids, seedFirmware, seedSensorGroup } from "./seed";

/**
 * axe-core on every page of the app (app/**\/page.tsx), its dialogs and its "not found"
 * states, with data on them: no serious or critical violation is allowed. Each check is
 * a soft assertion, so that a failing run names every page and rule at once.
 */

// A dozen axe-core scans per test, each a few seconds on a busy machine.
test.describe.configure({ timeout: 180_000 });

test("the sign-in page, before and after a failed attempt", async ({ page, tenant, checkA11y }) => {
  const login = new LoginPage(page);
  await login.goto();
  await expect(login.submit).toBeVisible();
  await checkA11y("login");
  await login.signIn(tenant.users.admin.email, "not the password");
  await expect(login.error("Wrong email or password.")).toBeVisible();
  await checkA11y("login, wrong password");
});

test("the campaign pages: list, detail (running, aborted), the wizard's four steps, not found", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  const { running, aborted } = await arrangeCampaignList(db, tenant.tenantId);
  // A group that no campaign targets yet, for the wizard.
  await seedSensorGroup(db, tenant.tenantId, "spare", ids("spare", 4));
  await signIn(page, "operator");
  const list = new CampaignsListPage(page);
  await expect(list.table.getByRole("row")).toHaveCount(6);
  await checkA11y("campaigns list");
  await list.row("Coast rollout").getByRole("button", { name: "Abort" }).click();
  await expect(list.abortDialog("Coast rollout")).toBeVisible();
  await checkA11y("campaigns list, abort dialog");
  await list.abortDialog("Coast rollout").getByRole("button", { name: "Cancel" }).click();

  const detail = new CampaignDetailPage(page);
  for (const [label, c] of [
    ["campaign detail (running)", running],
    ["campaign detail (aborted)", aborted],
  ] as const) {
    await detail.goto(c.id);
    await expect(detail.heading(c.name, 1)).toBeVisible();
    await expect(detail.devicesTable.getByRole("row").nth(1)).toBeVisible();
    await checkA11y(label);
  }
  await detail.goto(2147483647);
  await expect(page.getByText("Campaign not found")).toBeVisible();
  await checkA11y("campaign not found");

  const wizard = new WizardPage(page);
  await wizard.goto();
  await wizard.option(/2\.4\.0/).check();
  await checkA11y("new campaign, 1 firmware");
  await wizard.next.click();
  await wizard.option("spare").check();
  await expect(wizard.next).toBeEnabled();
  await checkA11y("new campaign, 2 target group");
  await wizard.next.click();
  await expect(wizard.currentStep).toContainText("Settings");
  await wizard.name.fill("Accessible rollout");
  await wizard.option(/Canary/).check();
  await checkA11y("new campaign, 3 settings");
  await wizard.next.click();
  await expect(wizard.currentStep).toContainText("Review");
  await checkA11y("new campaign, 4 review");
});

test("the fleet pages: firmware, devices, a device, groups, a group, their dialogs, not found", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  await arrangeCampaignList(db, tenant.tenantId);
  await seedFirmware(db, tenant.tenantId, "5.0.1", "gateway");
  await signIn(page, "admin");

  const library = new FirmwarePage(page);
  await library.goto();
  await expect(library.table.getByRole("row")).toHaveCount(3);
  await checkA11y("firmware library");
  await library.add.click();
  await expect(library.addDialog).toBeVisible();
  await checkA11y("firmware library, add dialog");
  await library.addDialog.getByText("Register a URL").click();
  await checkA11y("firmware library, add dialog (URL)");

  const fleet = new DevicesPage(page);
  await fleet.goto();
  await expect(fleet.row("field-01")).toBeVisible();
  await checkA11y("devices list");
  await fleet.register.click();
  await expect(fleet.registerDialog).toBeVisible();
  await checkA11y("devices list, register dialog");
  await fleet.registerDialog.getByRole("button", { name: "Cancel" }).click();
  const shown = await fleet.registerDevice({ id: "a11y-01" });
  await expect(shown.dialog).toBeVisible();
  await checkA11y("devices list, credentials shown once");
  await shown.done();
  await fleet.pickCsv("device_id\nok-01\nbad/id\n");
  await expect(fleet.importDialog.getByRole("list", { name: "Problems in the file" })).toBeVisible();
  await checkA11y("devices list, import dialog");

  const device = new DevicePage(page);
  await device.goto("field-06");
  await expect(device.history.getByRole("row").nth(1)).toBeVisible();
  await checkA11y("device detail");
  await device.goto("no-such-device");
  await expect(device.heading("Device not found")).toBeVisible();
  await checkA11y("device not found");

  const groups = new GroupsPage(page);
  await groups.goto();
  await expect(groups.row("field")).toBeVisible();
  await checkA11y("groups list");
  await page.getByRole("button", { name: "Create group" }).click();
  await expect(groups.createDialog).toBeVisible();
  await checkA11y("groups list, create dialog");

  const group = new GroupPage(page);
  await group.goto("field");
  await expect(group.members("field").getByRole("row").nth(1)).toBeVisible();
  await checkA11y("group detail");
  await group.addMembers.click();
  await expect(group.addDialog("field")).toBeVisible();
  await checkA11y("group detail, add members dialog");
  await group.goto("no-such-group");
  await expect(group.heading("Group not found")).toBeVisible();
  await checkA11y("group not found");

  const trust = new TrustPage(page);
  await trust.goto();
  await expect(trust.signingKeys.getByRole("row").nth(1)).toBeVisible();
  await checkA11y("device trust");
  await trust.addReleaseKey.click();
  await expect(trust.addDialog).toBeVisible();
  await checkA11y("device trust, add release key dialog");
});
