import { randomBytes } from "node:crypto";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { snap } from "./screenshot";

/**
 * The operator's whole journey, in one browser session, against the production build,
 * the worker (1 s tick) and simulated devices that really download the uploaded
 * firmware: upload, group, a canary campaign through the wizard that completes live,
 * and a campaign on failing devices that aborts itself with its reason.
 */
const region = (page: Page, name: string) => page.getByRole("region", { name });

/** Through the wizard with "Start now"; lands on the campaign's page. */
async function launch(
  page: Page,
  opts: { name: string; group: string; rate: number; canary?: number; minSample?: number },
) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "OTA Campaigns" }).click();
  await page.getByRole("link", { name: "New campaign" }).first().click();
  await page.getByRole("radio", { name: /3\.0\.0/ }).check();
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await page.getByRole("radio", { name: opts.group }).check();
  await expect(page.getByText(/10 members, 10 eligible/)).toBeVisible();
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await page.getByLabel("Name", { exact: true }).fill(opts.name);
  if (opts.canary) {
    await page.getByRole("radio", { name: /Canary/ }).check();
    await page.getByLabel("Canary share (%)").fill(String(opts.canary));
  }
  await page.getByLabel("Rollout rate (devices per tick)").fill(String(opts.rate));
  if (opts.minSample !== undefined)
    await page.getByLabel("Minimum sample (finished devices)").fill(String(opts.minSample));
  await page.getByRole("button", { name: "Next", exact: true }).click();
  await page.getByRole("checkbox", { name: /Start now/ }).check();
  await page.getByRole("button", { name: "Create campaign" }).click();
  await expect(page).toHaveURL(/\/app\/ota\/campaigns\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: opts.name })).toBeVisible();
}

test("upload, group, canary campaign to COMPLETED, failing campaign to ABORTED", async ({ page, signIn, simulate }) => {
  test.setTimeout(120_000);
  await signIn(page, "operator");

  // 1. Upload a firmware.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Firmware" }).click();
  await page.getByRole("button", { name: "Add firmware" }).click();
  const add = page.getByRole("dialog", { name: "Add firmware" });
  await add.getByLabel("Version").fill("3.0.0");
  await add.getByLabel("Device type").fill("sim-sensor");
  await add
    .getByLabel("Firmware file")
    .setInputFiles({ name: "fw-3.0.0.bin", mimeType: "application/octet-stream", buffer: randomBytes(96 * 1024) });
  await add.getByRole("button", { name: "Upload" }).click();
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
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
  for (const [groupId, name, members] of [
    ["journey", "Journey fleet", ok],
    ["journey-fail", "Failing fleet", failing],
  ] as const) {
    await page.getByRole("button", { name: "Create group" }).click();
    const create = page.getByRole("dialog", { name: "Create group" });
    await create.getByLabel("Group ID").fill(groupId);
    await create.getByLabel("Name").fill(name);
    await create.getByRole("button", { name: "Create" }).click();
    await page.getByRole("table", { name: "Groups" }).getByRole("link", { name }).click();
    await page.getByRole("button", { name: "Add members" }).click();
    const dialog = page.getByRole("dialog", { name: `Add members to ${name}` });
    await dialog.getByLabel("Device IDs").fill(members.join(", "));
    await dialog.getByRole("button", { name: "Add to group" }).click();
    await expect(page.getByText("10 members")).toBeVisible();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Groups" }).click();
  }

  // 3. A canary campaign through the wizard, started at once; it completes on this page, live.
  await launch(page, { name: "Journey canary", group: "Journey fleet", rate: 5, canary: 20 });
  await page.evaluate(() => ((window as unknown as { __stay: boolean }).__stay = true));
  await expect(region(page, "Status")).toContainText("COMPLETED", { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { __stay?: boolean }).__stay)).toBe(true);
  await expect(region(page, "Succeeded")).toContainText("10/10");

  // 4. The same firmware on devices that fail: the engine aborts the campaign by itself,
  // with its reason, once the minimum sample has finished; devices never commanded are SKIPPED.
  await launch(page, { name: "Journey failing", group: "Failing fleet", rate: 2, minSample: 3 });
  await expect(region(page, "Status")).toContainText("ABORTED", { timeout: 60_000 });
  await expect(
    page.getByText(/Abort reason: Failure threshold exceeded: \d+ of \d+ finished devices failed/),
  ).toBeVisible();
  const skipped = page
    .getByRole("group", { name: "Filter devices by status" })
    .getByRole("button", { name: /Skipped/ });
  await expect(skipped).toBeVisible();
  expect(Number((await skipped.innerText()).replace(/\D/g, ""))).toBeGreaterThan(0);
  await snap(page, "campaign-detail-aborted");
});
