import { createTestTenant } from "../tests/support/db";
import { createTestFirmware } from "../tests/support/download-server";
import { expect, test } from "./fixtures";
import { CampaignDetailPage } from "./pages/campaign-detail";
import { ids, seedCampaign, seedSensorGroup } from "./seed";
import { snap } from "./screenshot";

/**
 * The live campaign page, against the production build with the worker (1 s tick) and,
 * where devices must really update, the device simulator.
 */

test("a campaign started from its page reaches COMPLETED there, live, without a reload", async ({
  page,
  db,
  tenant,
  signIn,
  simulate,
}) => {
  test.setTimeout(90_000);
  const tag = tenant.tenantId.split("-").at(-1)!;
  const fw = await createTestFirmware(db.db, tenant.tenantId, { version: "3.1.0", size: 32 * 1024 });
  const fleet = await seedSensorGroup(db, tenant.tenantId, "bench", ids(`sim-${tag}`, 8));
  const c = await seedCampaign(db, tenant.tenantId, {
    name: "Bench canary",
    firmware_version_id: fw.id,
    target_group_id: "bench",
    rollout_strategy: "canary",
    canary_percent: 25,
    rollout_rate: 100,
  });
  await simulate(fleet);

  await signIn(page, "operator");
  const detail = new CampaignDetailPage(page);
  await detail.goto(c.id);
  await expect(detail.heading("Bench canary", 1)).toBeVisible();
  await expect(page.getByText("Canary phase · 2 devices")).toBeVisible();
  await expect(detail.region("Time to completion")).toContainText("—");
  await expect(detail.region("Succeeded")).toContainText("0/8");
  await detail.markWindow();

  await detail.button("Start", true).click();
  await expect(detail.toast("Started “Bench canary”")).toBeVisible();
  await expect(detail.button("Pause", true)).toBeVisible();
  await expect(detail.region("Status")).toContainText("COMPLETED", { timeout: 60_000 });

  expect(await detail.windowKept()).toBe(true);
  await expect(detail.region("Succeeded")).toContainText("8/8");
  await expect(detail.region("Progress")).toContainText("100%");
  await expect(detail.region("Failed")).toContainText("0");
  await expect(detail.button("Succeeded 8")).toBeVisible();
  await expect(detail.devicesTable.getByRole("row").filter({ hasText: "SUCCESS" })).toHaveCount(8);
  await expect(detail.devicesTable.getByRole("link", { name: `sim-${tag}-01` })).toHaveAttribute(
    "href",
    `/app/devices/sim-${tag}-01`,
  );
  await detail.expectNoActions();
  await snap(page, "campaign-detail");
});

test("another tenant's campaign, an unknown id and a malformed id all show “not found”", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const other = await createTestTenant(db, "e2e-other");
  const fw = await createTestFirmware(db.db, other.tenantId, { version: "9.0.0", size: 1024 });
  await seedSensorGroup(db, other.tenantId, "secret", ["secret-1"]);
  const theirs = await seedCampaign(db, other.tenantId, {
    name: "Their secret rollout",
    firmware_version_id: fw.id,
    target_group_id: "secret",
  });
  await signIn(page, "admin");
  const detail = new CampaignDetailPage(page);
  for (const id of [String(theirs.id), "2147483647", "not-a-number"]) {
    await detail.goto(id);
    await expect(page.getByText("Campaign not found")).toBeVisible();
    await expect(page.getByText("Their secret rollout")).toHaveCount(0);
  }
  await page.getByRole("link", { name: "Back to all campaigns" }).click();
  await expect(page).toHaveURL(/\/app\/ota\/campaigns$/);
  expect(tenant.tenantId).not.toBe(other.tenantId);
});

test("a 100,000-device campaign shows its totals within 3 s and pages to its last device", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  test.setTimeout(240_000);
  const t = tenant.tenantId;
  const N = 100_000;
  const fw = await createTestFirmware(db.db, t, { version: "7.0.0", size: 1024 });
  // Set-based, as the product does it: one INSERT … SELECT per table.
  await db.sql`
    INSERT INTO devices (tenant_id, device_id, device_type, fw_version)
    SELECT ${t}, 'dev-' || lpad(i::text, 6, '0'), 'sensor', '1.0.0' FROM generate_series(1, ${N}::int) i`;
  // Analyze after the bulk load: this connection may hold a foreign-key check plan made by
  // an earlier test when `devices` had a few rows (a sequential scan); reused for 100,000
  // checks against 100,000 rows it runs for minutes. New statistics invalidate that plan.
  await db.sql`ANALYZE devices`;
  await db.sql`INSERT INTO device_groups (tenant_id, group_id, name) VALUES (${t}, 'fleet', 'Whole fleet')`;
  await db.sql`
    INSERT INTO device_group_members (tenant_id, group_id, device_id)
    SELECT ${t}, 'fleet', 'dev-' || lpad(i::text, 6, '0') FROM generate_series(1, ${N}::int) i`;
  const [c] = await db.sql<{ id: number }[]>`
    INSERT INTO ota_campaigns (tenant_id, name, firmware_version_id, target_group_id, status, rollout_rate,
                               total_devices, eligible_devices, started_at)
    VALUES (${t}, 'Fleet-wide 7.0', ${fw.id}, 'fleet', 'PAUSED', 500, ${N}, ${N}, now() - interval '1 hour')
    RETURNING id`;
  // After the campaign row: the counter triggers count these rows into it.
  await db.sql`
    INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status, progress_pct, error_message, started_at, completed_at)
    SELECT ${t}, ${c!.id}, 'dev-' || lpad(i::text, 6, '0'), s.status,
           CASE s.status WHEN 'SUCCESS' THEN 100 WHEN 'DOWNLOADING' THEN 30 WHEN 'INSTALLING' THEN 80 ELSE 0 END,
           CASE WHEN s.status = 'FAILED' THEN 'Simulated install failure' END,
           CASE WHEN s.status <> 'PENDING' THEN now() - interval '30 minutes' END,
           CASE WHEN s.status IN ('SUCCESS', 'FAILED') THEN now() - interval '10 minutes' END
    FROM generate_series(1, ${N}::int) i
    CROSS JOIN LATERAL (SELECT CASE
      WHEN i <= 60000 THEN 'SUCCESS' WHEN i <= 61000 THEN 'FAILED'
      WHEN i <= 61200 THEN 'DOWNLOADING' WHEN i <= 61300 THEN 'INSTALLING' ELSE 'PENDING' END AS status) s
    ORDER BY i`;
  await db.sql`ANALYZE ota_device_status`;
  const [counters] =
    await db.sql`SELECT succeeded, failed, pending, downloading, installing FROM ota_campaigns WHERE id = ${c!.id}`;
  expect(counters).toEqual({ succeeded: 60_000, failed: 1_000, pending: 38_700, downloading: 200, installing: 100 });

  await signIn(page, "operator");
  const detail = new CampaignDetailPage(page);
  const pages = detail.devicePages;
  const started = Date.now();
  await detail.goto(c!.id);
  await expect(detail.region("Succeeded")).toContainText("60,000/100,000", { timeout: 3000 });
  await expect(pages).toContainText("1–50 of 100,000", { timeout: Math.max(1, 3000 - (Date.now() - started)) });
  expect(Date.now() - started).toBeLessThan(3000);
  await expect(detail.region("Failed")).toContainText("1,000");
  await expect(detail.region("Progress")).toContainText("61%");
  await expect(detail.button("Pending 38,700")).toBeVisible();
  await expect(detail.button("All 100,000")).toHaveAttribute("aria-pressed", "true");
  await expect(detail.devicesTable.getByRole("link").first()).toHaveText("dev-000001");
  await expect(detail.devicesTable.getByRole("row")).toHaveCount(51);

  await pages.getByRole("button", { name: "Last" }).click();
  await expect(pages).toContainText("99,951–100,000 of 100,000");
  await expect(detail.devicesTable.getByRole("link", { name: "dev-100000" })).toBeVisible();
  await expect(pages.getByRole("button", { name: "Last" })).toBeDisabled();
  await snap(page, "campaign-detail-100k");

  // The chips filter on the server too: the failed devices, to their last page and back.
  await detail.button("Failed 1,000").click();
  await expect(pages).toContainText("1–50 of 1,000");
  await pages.getByRole("button", { name: "Last" }).click();
  await expect(detail.devicesTable.getByRole("link", { name: "dev-061000" })).toBeVisible();
  await pages.getByRole("button", { name: "First" }).click();
  await expect(detail.devicesTable.getByRole("link").first()).toHaveText("dev-060001");
});
