import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { CampaignsListPage } from "./pages/campaigns-list";
import { DESKTOP, PHONE } from "./screenshot";
import {
  arrangeCampaign,
  arrangeCampaignList,
  ids,
  seedCampaign,
  seedDevices,
  seedFirmware,
  seedGroup,
  seedSensorGroup,
} from "./seed";

/**
 * The campaign screens as an operator meets them: the list at a laptop's and a phone's
 * width, one base for a campaign's figures, colours by status, following devices that
 * finish after an abort, and rates in words people use (docs/architecture.md, "Pages").
 */

/** Whether the element scrolls sideways (its content is wider than its box). */
const scrollsSideways = (l: Locator) => l.evaluate((e) => e.scrollWidth > e.clientWidth + 1);
const pageScrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
const fillColour = (bar: Locator) =>
  bar
    .locator("div")
    .first()
    .evaluate((e) => getComputedStyle(e).backgroundColor);

test("the campaign list shows its actions at 1440 px without scrolling, and every essential on a phone", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "operator");
  const list = new CampaignsListPage(page);
  await page.setViewportSize(DESKTOP);
  const running = list.row("Field rollout");
  await expect(running.getByRole("button", { name: "Pause" })).toBeInViewport({ ratio: 1 });
  await expect(running.getByRole("button", { name: "Abort" })).toBeInViewport({ ratio: 1 });
  expect(await scrollsSideways(list.table.locator(".."))).toBe(false);
  await expect(page.getByRole("columnheader", { name: "Actions" })).toBeInViewport({ ratio: 1 });
  await checkA11y("campaigns list (desktop)");

  await page.setViewportSize(PHONE);
  const cards = page.getByRole("list", { name: "Campaigns" });
  const card = cards
    .getByRole("listitem")
    .filter({ has: page.getByRole("link", { name: "Field rollout", exact: true }) });
  await expect(card).toBeVisible();
  for (const text of ["RUNNING", "2.4.0", "field", "Linear", "5/8 (1 failed)", "Created"])
    await expect(card).toContainText(text);
  await expect(card.getByRole("img", { name: /Progress of Field rollout: 5 succeeded, 1 failed/ })).toBeVisible();
  await card.getByRole("button", { name: "Pause" }).scrollIntoViewIfNeeded();
  await expect(card.getByRole("button", { name: "Pause" })).toBeInViewport({ ratio: 1 });
  await expect(card.getByRole("button", { name: "Abort" })).toBeInViewport({ ratio: 1 });
  expect(await pageScrollsSideways(page)).toBe(false);
  await checkA11y("campaigns list (phone)");
});

test("a campaign's percentage, bar and counts share one base; colours follow the status; a skip is no error", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  const t = tenant.tenantId;
  const fw = await seedFirmware(db, t, "3.0.0", "sensor");
  const members = ids("unit", 10);
  await seedDevices(db, t, [
    ...members.map((id) => ({ id, type: "sensor", fw: "1.0.0" })),
    { id: "unit-current", type: "sensor", fw: "3.0.0" },
  ]);
  await seedGroup(db, t, "units", "Units", [...members, "unit-current"]);
  const c = await seedCampaign(db, t, { name: "Units to 3.0.0", firmware_version_id: fw.id, target_group_id: "units" });
  await arrangeCampaign(db, t, c.id, "PAUSED", {
    SUCCESS: members.slice(0, 4),
    FAILED: members.slice(4, 5),
    DOWNLOADING: members.slice(5, 6),
  });
  // The failed device had got three quarters through its download.
  await db.sql`UPDATE ota_device_status SET progress_pct = 75 WHERE campaign_id = ${c.id} AND device_id = 'unit-05'`;

  await signIn(page, "operator");
  const detail = new CampaignDetailPage(page);
  await detail.goto(c.id);
  // 11 members, 10 eligible (one already up to date), 5 finished: 50 %, 4/10, one bar over the same 10.
  await expect(detail.region("Progress")).toContainText("50%");
  await expect(detail.region("Progress")).toContainText("5 of 10 eligible devices finished");
  await expect(detail.region("Succeeded")).toContainText("4/10");
  await expect(detail.region("Succeeded")).toContainText("1 skipped");
  await expect(
    detail.region("Progress").getByRole("img", { name: /4 succeeded, 1 failed, 1 in progress, 4 pending/ }),
  ).toBeVisible();

  const table = detail.devicesTable;
  await expect(table.getByRole("columnheader", { name: "Reason" })).toBeVisible();
  await expect(table.getByRole("columnheader", { name: "Error" })).toHaveCount(0);
  const failed = table.getByRole("progressbar", { name: "Progress of unit-05" });
  await expect(failed).toHaveAttribute("aria-valuenow", "75");
  await expect(failed).toHaveAttribute("data-status", "FAILED");
  await expect(table.getByRole("row").filter({ hasText: "unit-05" })).toContainText("stopped at 75%");
  const downloading = table.getByRole("progressbar", { name: "Progress of unit-06" });
  const succeeded = table.getByRole("progressbar", { name: "Progress of unit-01" });
  await expect(succeeded).toHaveAttribute("aria-valuenow", "100");
  // One colour map: the failed bar is the failed chip's red, not the blue of a download.
  const red = await detail.statusChips
    .getByRole("button", { name: /^Failed/ })
    .locator("span")
    .first()
    .evaluate((e) => getComputedStyle(e).backgroundColor);
  expect(await fillColour(failed)).toBe(red);
  expect(await fillColour(downloading)).not.toBe(red);
  expect(await fillColour(succeeded)).not.toBe(await fillColour(downloading));

  await detail.button("Skipped 1").click();
  const skipped = table.getByRole("row").filter({ hasText: "unit-current" });
  await expect(skipped).toContainText("Skipped: already up to date");
  await expect(skipped.getByRole("progressbar")).toHaveCount(0);
  await checkA11y("campaign detail");

  // The device's own page draws the same cell with the same colours.
  await page.goto("/app/devices/unit-05");
  const history = page.getByRole("table", { name: "OTA history" });
  const bar = history.getByRole("progressbar", { name: "Progress in Units to 3.0.0" });
  await expect(bar).toHaveAttribute("data-status", "FAILED");
  await expect(bar).toHaveAttribute("aria-valuenow", "75");
  expect(await fillColour(bar)).toBe(red);
  await checkA11y("device detail");
});

test("after an abort the page follows the devices still finishing, then stops polling", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  const t = tenant.tenantId;
  const fw = await seedFirmware(db, t, "4.0.0", "sensor");
  const members = ids("late", 5);
  await seedDevices(
    db,
    t,
    members.map((id) => ({ id, type: "sensor", fw: "1.0.0" })),
  );
  await seedGroup(db, t, "late", "Late", members);
  const c = await seedCampaign(db, t, { name: "Late finish", firmware_version_id: fw.id, target_group_id: "late" });
  await arrangeCampaign(db, t, c.id, "RUNNING", { SUCCESS: members.slice(0, 2), DOWNLOADING: members.slice(2) });

  await signIn(page, "operator");
  const detail = new CampaignDetailPage(page);
  await detail.goto(c.id);
  await expect(detail.region("Status")).toContainText("RUNNING");
  // Aborted by the engine (say, its failure threshold) while three devices are mid-download.
  await db.sql`
    UPDATE ota_campaigns SET status = 'ABORTED', completed_at = now(), abort_reason = 'Arranged by the test'
    WHERE tenant_id = ${t} AND id = ${c.id}`;
  const finishing = page.getByRole("status").filter({ hasText: "still finishing" });
  await expect(finishing).toContainText("3 devices still finishing");
  await expect(detail.region("Status")).toContainText("ABORTED");
  await checkA11y("campaign detail (aborted, devices finishing)");

  // The devices report their end after the abort: the page shows it without a reload.
  await db.sql`
    UPDATE ota_device_status SET status = 'SUCCESS', progress_pct = 100, completed_at = now(), last_report_at = now()
    WHERE tenant_id = ${t} AND campaign_id = ${c.id} AND status = 'DOWNLOADING'`;
  await expect(detail.region("Succeeded")).toContainText("5/5");
  await expect(finishing).toHaveCount(0);
  await expect(detail.devicesTable.getByRole("row").filter({ hasText: "SUCCESS" })).toHaveCount(5);

  // Final and nothing in flight: no more polling.
  await page.waitForTimeout(3000);
  const polls: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes(`/customer/ota/campaigns/${c.id}`)) polls.push(r.url());
  });
  await page.waitForTimeout(6000);
  expect(polls).toEqual([]);
});

test("rates read in devices per minute and the timeout in minutes, with the exact values one click away", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const t = tenant.tenantId;
  const fw = await seedFirmware(db, t, "5.0.0", "sensor");
  await seedSensorGroup(db, t, "pace", ["pace-01"]);
  const c = await seedCampaign(db, t, {
    name: "Paced",
    firmware_version_id: fw.id,
    target_group_id: "pace",
    rollout_rate: 10,
    device_timeout_seconds: 1800,
  });
  await signIn(page, "operator");
  await new CampaignDetailPage(page).goto(c.id);
  await expect(page.getByRole("heading", { level: 1, name: "Paced" })).toBeVisible();
  // The browser tests run the engine at one tick a second (scripts/test.ts): 10 per tick = 600 a minute.
  await expect(page.getByText(/per tick/)).toHaveCount(0);
  await expect(page.getByText("Exactly 10 devices every 1 s tick")).toBeHidden();
  await page.getByText("600 devices/min", { exact: true }).click();
  await expect(page.getByText("Exactly 10 devices every 1 s tick")).toBeVisible();
  await page.getByText("30 min", { exact: true }).click();
  await expect(page.getByText("Exactly 1,800 seconds")).toBeVisible();
});
