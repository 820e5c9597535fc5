import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { CampaignsListPage } from "./pages/campaigns-list";
import { FirmwarePage } from "./pages/firmware";
import { GroupPage, GroupsPage } from "./pages/groups";
import { WizardPage } from "./pages/wizard";
import { snap } from "./screenshot";

/**
 * The operator's whole journey, in one browser session, against the production build,
 * the worker (1 s tick) and simulated devices that really download the uploaded
 * firmware: upload, group, a canary campaign through the wizard that completes live,
 * and a campaign on failing devices that aborts itself with its reason.
 */

/** Through the wizard with "Start now"; lands on the campaign's page. */
async function launch(
  page: Page,
  opts: { name: string; group: string; rate: number; canary?: number; minSample?: number },
) {
  const wizard = new WizardPage(page);
  await wizard.navigate("OTA Campaigns");
  await new CampaignsListPage(page).newCampaign.first().click();
  await wizard.option(/3\.0\.0/).check();
  await wizard.next.click();
  await wizard.option(opts.group).check();
  await expect(page.getByText(/10 members, 10 eligible/)).toBeVisible();
  await wizard.next.click();
  await wizard.name.fill(opts.name);
  if (opts.canary) await wizard.chooseCanary(opts.canary);
  await wizard.rolloutRate.fill(String(opts.rate));
  if (opts.minSample !== undefined) await wizard.minimumSample.fill(String(opts.minSample));
  await wizard.next.click();
  await wizard.startNow.check();
  await wizard.create.click();
  await wizard.expectCreated(opts.name);
}

test("upload, group, canary campaign to COMPLETED, failing campaign to ABORTED", async ({ page, signIn, simulate }) => {
  test.setTimeout(120_000);
  await signIn(page, "operator");

  // 1. Upload a firmware.
  const library = new FirmwarePage(page);
  await library.navigate("Firmware");
  await library.add.click();
  const add = library.addDialog;
  await library.upload({
    version: "3.0.0",
    deviceType: "sim-sensor",
    name: "fw-3.0.0.bin",
    buffer: randomBytes(96 * 1024),
  });
  await expect(add.getByText("Firmware 3.0.0 is in the library.")).toBeVisible({ timeout: 20_000 });
  await add.getByRole("button", { name: "Done" }).click();

  // 2. Devices (registered through the API, as a provisioning system would) and a group, in the UI.
  const ok = Array.from({ length: 10 }, (_, i) => `jr-${i}`);
  const failing = Array.from({ length: 10 }, (_, i) => `jr-fail-${i}`);
  for (const id of [...ok, ...failing]) {
    const res = await page.request.post("/customer/devices", {
      data: { device_id: id, device_type: "sim-sensor", fw_version: "1.0.0" },
    });
    expect(res.status()).toBe(201);
  }
  await simulate([...ok, ...failing], { delayMs: 50 });
  const groups = new GroupsPage(page);
  const group = new GroupPage(page);
  await groups.navigate("Groups");
  for (const [groupId, name, members] of [
    ["journey", "Journey fleet", ok],
    ["journey-fail", "Failing fleet", failing],
  ] as const) {
    await groups.create({ id: groupId, name });
    await groups.table.getByRole("link", { name }).click();
    await group.addMembers.click();
    const dialog = group.addDialog(name);
    await dialog.getByLabel("Device IDs").fill(members.join(", "));
    await dialog.getByRole("button", { name: "Add to group" }).click();
    await expect(page.getByText("10 members")).toBeVisible();
    await groups.navigate("Groups");
  }

  // 3. A canary campaign through the wizard, started at once; it completes on this page, live.
  const campaign = new CampaignDetailPage(page);
  await launch(page, { name: "Journey canary", group: "Journey fleet", rate: 5, canary: 20 });
  await campaign.markWindow();
  await expect(campaign.region("Status")).toContainText("COMPLETED", { timeout: 60_000 });
  expect(await campaign.windowKept()).toBe(true);
  await expect(campaign.region("Succeeded")).toContainText("10/10");

  // 4. The same firmware on devices that fail: the engine aborts the campaign by itself,
  // with its reason, once the minimum sample has finished; devices never commanded are SKIPPED.
  await launch(page, { name: "Journey failing", group: "Failing fleet", rate: 2, minSample: 3 });
  await expect(campaign.region("Status")).toContainText("ABORTED", { timeout: 60_000 });
  await expect(
    page.getByText(/Abort reason: Failure threshold exceeded: \d+ of \d+ finished devices failed/),
  ).toBeVisible();
  const skipped = campaign.statusChips.getByRole("button", { name: /Skipped/ });
  await expect(skipped).toBeVisible();
  expect(Number((await skipped.innerText()).replace(/\D/g, ""))).toBeGreaterThan(0);
  await snap(page, "campaign-detail-aborted");
});
