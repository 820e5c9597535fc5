import { and, count, eq } from "drizzle-orm";
import { deviceGroupMembers, otaCampaigns } from "@/lib/db/schema";
import { expect, test } from "./fixtures";
import { DevicesPage } from "./pages/devices";
import { GroupPage, GroupsPage } from "./pages/groups";
import { ago, seedDevices, seedFirmware, seedGroup } from "./seed";
import { calmSnap } from "./screenshot";

/** Devices and groups: registering, filtering, building a group and changing its members. */

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
  const fleet = new DevicesPage(page);
  await fleet.navigate("Devices");
  await expect(fleet.table.getByRole("row")).toHaveCount(5);
  const seen = fleet.row("sensor-002").locator("time");
  await expect(seen).toHaveText("47 min ago");
  await expect(seen).toHaveAttribute("title", /\d{4}/);

  // Register one; the server's reasons appear beside the field they concern.
  await fleet.register.click();
  const register = fleet.registerDialog;
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
  await expect(fleet.toast("Device sensor-004 registered")).toBeVisible();
  await expect(register).toBeHidden();
  await expect(fleet.row("sensor-004")).toContainText("never");
  await expect(fleet.table.getByRole("row")).toHaveCount(6);
  await calmSnap(page, "devices-list", () => expect(fleet.table.getByRole("row")).toHaveCount(6));

  // Filters: by type, then by firmware version.
  await fleet.filter("Device type").fill("gateway");
  await expect(fleet.table.getByRole("row")).toHaveCount(2);
  await fleet.clearFilters.click();
  await fleet.filter("Firmware version").fill("2.0.0");
  await expect(fleet.table.getByRole("row")).toHaveCount(2);
  await expect(fleet.table).toContainText("sensor-003");
  await fleet.clearFilters.click();

  // A group, created in the UI.
  const groups = new GroupsPage(page);
  await groups.navigate("Groups");
  await expect(page.getByText("No groups yet")).toBeVisible();
  await groups.create({ id: "eu-sensors", name: "EU sensors", description: "Every sensor in the EU region" });
  await expect(groups.toast("Group EU sensors created")).toBeVisible();
  await expect(groups.row("eu-sensors")).toContainText("0");
  await groups.table.getByRole("link", { name: "EU sensors" }).click();
  const group = new GroupPage(page);
  await expect(page).toHaveURL(/\/app\/groups\/eu-sensors$/);
  await expect(group.heading("EU sensors")).toBeVisible();
  await expect(page.getByText("No members yet")).toBeVisible();

  // One unknown id: the API adds nothing and names it.
  await group.addMembers.click();
  const add = group.addDialog("EU sensors");
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
  await group.addMembers.click();
  await add.getByLabel("Device IDs").fill("sensor-001,sensor-002");
  await add.getByLabel("Search devices").fill("003");
  await add.getByRole("checkbox", { name: /sensor-003/ }).check();
  await expect(add.getByText("3 devices to add.")).toBeVisible();
  await add.getByRole("button", { name: "Add to group" }).click();
  await expect(group.toast("Added 3 devices to EU sensors")).toBeVisible();
  const membersTable = group.members("EU sensors");
  await expect(membersTable.getByRole("row")).toHaveCount(4);
  await expect(page.getByText("3 members")).toBeVisible();
  expect(await members()).toBe(3);

  // The picker offers only devices not in the group yet.
  await group.addMembers.click();
  await expect(add.getByRole("checkbox")).toHaveCount(2);
  await expect(add.getByRole("checkbox", { name: /gw-001/ })).toBeVisible();
  await add.getByRole("button", { name: "Cancel" }).click();
  await calmSnap(page, "group-detail", () => expect(membersTable.getByRole("row")).toHaveCount(4));

  await membersTable.getByRole("button", { name: "Remove sensor-002 from the group" }).click();
  await expect(group.toast("sensor-002 removed from EU sensors")).toBeVisible();
  await expect(membersTable.getByRole("row")).toHaveCount(3);
  await expect(page.getByText("2 members")).toBeVisible();
  expect(await members()).toBe(2);

  // The device list filters by group; the group list counts members.
  await fleet.navigate("Devices");
  await expect(page).toHaveURL(/\/app\/devices$/);
  await fleet.groupFilter.selectOption({ label: "EU sensors (2)" });
  await expect(fleet.table.getByRole("row")).toHaveCount(3);
  await expect(fleet.table).not.toContainText("sensor-002");

  await seedGroup(db, tenant.tenantId, "all-gateways", "All gateways", ["gw-001"]);
  await seedGroup(db, tenant.tenantId, "scratch", "Scratch");
  await groups.navigate("Groups");
  await expect(groups.row("eu-sensors").getByRole("cell").nth(3)).toHaveText("2");
  await expect(groups.table.getByRole("row")).toHaveCount(4);
  await calmSnap(page, "groups-list", () => expect(groups.table.getByRole("row")).toHaveCount(4));

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
  await groups.delete("All gateways");
  await expect(groups.toast(`Device group is targeted by active campaign ${campaign!.id}`)).toBeVisible();
  await groups.delete("Scratch");
  await expect(groups.toast("Group Scratch deleted")).toBeVisible();
  await expect(groups.table.getByRole("row")).toHaveCount(3);
});
