import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { CampaignsListPage } from "./pages/campaigns-list";
import { arrangeCampaignList } from "./seed";
import { snap } from "./screenshot";

/**
 * The campaign list and its actions, against the production build with the worker
 * (1 s tick). Each test arranges its own tenant's campaigns directly in the database.
 */

test("the list shows every campaign's progress, newest first, with only its legal actions", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "operator");
  const list = new CampaignsListPage(page);
  await expect(list.table.getByRole("row")).toHaveCount(6);
  // Newest first.
  await expect(list.table.getByRole("link")).toHaveText([
    "Lab canary",
    "Field rollout",
    "Coast rollout",
    "Pilot trial",
    "Depot refresh",
  ]);

  const running = list.row("Field rollout");
  await expect(running).toContainText("RUNNING");
  await expect(running).toContainText("5/8 (1 failed)");
  await expect(
    running.getByRole("img", { name: /Progress of Field rollout: 5 succeeded, 1 failed, 2 in progress, 0 pending/ }),
  ).toBeVisible();
  await expect(running).toContainText("2.4.0");
  await expect(running).toContainText("field");
  await expect(list.row("Lab canary")).toContainText("Canary 34%");
  await expect(list.row("Lab canary")).toContainText("0/3 (0 failed)");
  await expect(list.row("Depot refresh")).toContainText("4/4 (0 failed)");

  expect(await list.actionsIn(list.row("Lab canary"))).toEqual(["Start", "Abort"]);
  expect(await list.actionsIn(running)).toEqual(["Pause", "Abort"]);
  expect(await list.actionsIn(list.row("Coast rollout"))).toEqual(["Resume", "Abort"]);
  expect(await list.actionsIn(list.row("Pilot trial"))).toEqual([]);
  expect(await list.actionsIn(list.row("Depot refresh"))).toEqual([]);
  await expect(list.newCampaign).toHaveAttribute("href", "/app/ota/campaigns/new");
  await snap(page, "campaigns-list");

  // The status filter asks the server, and keeps the choice in the URL.
  await list.statusFilter.selectOption("PAUSED");
  await expect(page).toHaveURL(/status=PAUSED/);
  await expect(list.table.getByRole("link")).toHaveText(["Coast rollout"]);
  await page.reload();
  await expect(list.statusFilter).toHaveValue("PAUSED");
  await expect(list.table.getByRole("link")).toHaveText(["Coast rollout"]);
});

test("an operator pauses and resumes a running campaign from the list", async ({ page, db, tenant, signIn }) => {
  const { running } = await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "operator");
  const list = new CampaignsListPage(page);
  const row = list.row("Field rollout");
  await row.getByRole("button", { name: "Pause" }).click();
  await expect(list.toast("Paused “Field rollout”")).toBeVisible();
  await expect(row).toContainText("PAUSED");
  expect(await list.actionsIn(row)).toEqual(["Resume", "Abort"]);
  await expect
    .poll(async () => (await db.sql`SELECT status FROM ota_campaigns WHERE id = ${running.id}`)[0]!.status)
    .toBe("PAUSED");

  await row.getByRole("button", { name: "Resume" }).click();
  await expect(list.toast("Resumed “Field rollout”")).toBeVisible();
  await expect(row).toContainText("RUNNING");
  expect(await list.actionsIn(row)).toEqual(["Pause", "Abort"]);
});

test("aborting asks first, says updated devices stay updated, and skips the pending devices", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const { paused } = await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "operator");
  const list = new CampaignsListPage(page);
  const row = list.row("Coast rollout");
  await row.getByRole("button", { name: "Abort" }).click();
  const dialog = list.abortDialog("Coast rollout");
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("The 4 pending devices will be skipped.");
  await expect(dialog).toContainText("Devices already updated are not rolled back");
  await snap(page, "campaign-abort-dialog");

  // Cancel changes nothing.
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("PAUSED");

  await row.getByRole("button", { name: "Abort" }).click();
  await dialog.getByRole("button", { name: "Abort campaign" }).click();
  await expect(list.toast("Aborted “Coast rollout”")).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText("ABORTED");
  expect(await list.actionsIn(row)).toEqual([]);

  await row.getByRole("link", { name: "Coast rollout" }).click();
  const detail = new CampaignDetailPage(page);
  await expect(page).toHaveURL(new RegExp(`/app/ota/campaigns/${paused.id}$`));
  await expect(detail.heading("Coast rollout", 1)).toBeVisible();
  await expect(page.getByText(`Abort reason: Aborted by operator ${tenant.users.operator.email}`)).toBeVisible();
  const skipped = detail.button("Skipped 4");
  await expect(skipped).toHaveAttribute("aria-pressed", "false");
  await expect(detail.button("Pending 0")).toBeVisible();
  await skipped.click();
  await expect(skipped).toHaveAttribute("aria-pressed", "true");
  await expect(detail.devicesTable.getByRole("row")).toHaveCount(5);
  for (const r of await detail.devicesTable
    .getByRole("row")
    .all()
    .then((rows) => rows.slice(1))) {
    await expect(r).toContainText("SKIPPED");
    await expect(r).toContainText("campaign aborted");
  }
  await detail.expectNoActions();
});
