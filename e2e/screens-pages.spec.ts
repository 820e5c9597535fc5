import { firmwareVersions } from "@/lib/db/schema";
import { expect, test } from "./fixtures";
import { LoginPage } from "./pages/login";
import { WizardPage } from "./pages/wizard";
import { DESKTOP, PHONE } from "./screenshot";
import { arrangeCampaignList, ids, seedSensorGroup } from "./seed";

/**
 * What every page owes a new operator: a title that names it, an icon, a way past the
 * navigation, contrast (axe-core finds nothing serious or critical), a sign-in form that
 * keeps what was typed, and a wizard that reads plainly and fits a phone.
 */

test("a failed sign-in keeps the email, and the sign-in page has a title and no serious axe finding", async ({
  page,
  tenant,
  checkA11y,
}) => {
  const login = new LoginPage(page);
  await login.goto();
  await expect(page).toHaveTitle("Sign in · Flotilla");
  await checkA11y("login");
  await login.signIn(tenant.users.operator.email, "not-the-password");
  await expect(login.error("Wrong email or password.")).toBeVisible();
  await expect(login.email).toHaveValue(tenant.users.operator.email);
  await expect(login.password).toHaveValue("");
  await expect(login.password).toBeFocused();
  await checkA11y("login (after a failed attempt)");
  // Only the password is retyped.
  await login.password.fill(tenant.password);
  await login.submit.click();
  await expect(page).toHaveURL(/\/app\/ota\/campaigns$/);
});

test("every page names its subject in the title, has an icon and a skip link to its content", async ({
  page,
  db,
  tenant,
  signIn,
}) => {
  const { running } = await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "operator");
  await expect(page).toHaveTitle("OTA Campaigns · Flotilla");

  const icon = page.locator('head link[rel="icon"]');
  await expect(icon).toHaveAttribute("type", "image/svg+xml");
  const res = await page.request.get((await icon.getAttribute("href"))!);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("image/svg+xml");

  await page.goto(`/app/ota/campaigns/${running.id}`);
  await expect(page).toHaveTitle(`Field rollout · Campaign ${running.id} · Flotilla`);
  await page.goto("/app/ota/campaigns/999999999");
  await expect(page).toHaveTitle("Campaign 999999999 · Flotilla");

  // The first Tab lands on the skip link; following it puts the focus on the page's content.
  await page.goto("/app/devices");
  await expect(page).toHaveTitle("Devices · Flotilla");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to main content" });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("main")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Devices" })).not.toBeFocused();
});

test("the wizard has one Next button and its firmware cards fit a 390 px phone", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  const t = tenant.tenantId;
  // More versions than one page of the list (8), so that its paging shows above the wizard's Next.
  await db.db.insert(firmwareVersions).values(
    Array.from({ length: 10 }, (_, i) => ({
      tenantId: t,
      version: `6.${i}.0-release-candidate-build-20260301`,
      deviceType: null,
      fileUrl: `https://downloads.example.com/6.${i}.0.bin`,
      fileSizeBytes: 734_003,
      checksumSha256: "cd".repeat(32),
      description: "A long description of what changed in this build, written without any thought for narrow screens",
    })),
  );
  await seedSensorGroup(db, t, "wiz", ids("wiz", 3));
  await signIn(page, "operator");
  const wizard = new WizardPage(page);
  await wizard.goto();
  await expect(page).toHaveTitle("New campaign · Flotilla");
  await expect(page.getByRole("navigation", { name: "Firmware pages" })).toBeVisible();
  const visibleNext = await page
    .getByRole("button")
    .evaluateAll((buttons) => buttons.filter((b) => (b as HTMLElement).innerText.trim() === "Next").length);
  expect(visibleNext).toBe(1);
  await expect(page.getByRole("button", { name: "Next page" })).toBeVisible();
  await checkA11y("wizard, firmware step");

  await page.setViewportSize(PHONE);
  const cards = page.getByRole("radio");
  await expect(cards).toHaveCount(8);
  for (const card of await cards.all()) {
    const box = await card.locator("xpath=ancestor::label[1]").boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  await checkA11y("wizard, firmware step (phone)");
  await page.setViewportSize(DESKTOP);

  // Settings: the timeout starts in minutes; the rate is also given per minute.
  await wizard.option(/6\.9\.0-release/).check();
  await wizard.next.click();
  await wizard.option(/wiz/).check();
  await wizard.next.click();
  await expect(wizard.timeout).toHaveValue("30");
  await expect(wizard.timeoutUnit).toHaveValue("minutes");
  await expect(page.getByText("(1,800 s)")).toBeVisible();
  await expect(page.getByText(/one tick every 1 s\): 600 devices\/min/)).toBeVisible();
  await checkA11y("wizard, settings step");
  await wizard.name.fill("Phone check");
  await wizard.next.click();
  await expect(wizard.summary).toContainText("600 devices/min");
  await wizard.summary.getByText("600 devices/min").click();
  await expect(wizard.summary).toContainText("Exactly 10 devices every 1 s tick");
  await checkA11y("wizard, review step");
});

test("the fleet pages have no serious or critical axe-core finding", async ({
  page,
  db,
  tenant,
  signIn,
  checkA11y,
}) => {
  await arrangeCampaignList(db, tenant.tenantId);
  await signIn(page, "admin");
  for (const [path, label] of [
    ["/app/ota/firmware", "firmware library"],
    ["/app/devices", "devices"],
    ["/app/devices/field-01", "device detail"],
    ["/app/groups", "groups"],
    ["/app/groups/field", "group detail"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByText(/^Loading/)).toHaveCount(0);
    await checkA11y(label);
  }
});
