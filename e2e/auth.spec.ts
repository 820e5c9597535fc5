import { firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import { createTestTenant } from "../tests/support/db";
import { expect, test } from "./fixtures";
import { CampaignsListPage } from "./pages/campaigns-list";
import { LoginPage } from "./pages/login";
import { snap } from "./screenshot";

test("an operator signs in, reaches the campaigns page, and signs out", async ({ page, tenant, signIn }) => {
  const campaigns = new CampaignsListPage(page);
  await signIn(page, "operator");
  await expect(campaigns.heading("OTA Campaigns")).toBeVisible();
  await expect(page.getByRole("banner")).toContainText(`Tenant ${tenant.tenantId}`);
  await expect(page.getByRole("banner")).toContainText(tenant.users.operator.email);
  await expect(page.getByText("No campaigns yet.")).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await campaigns.goto();
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password is refused with a message", async ({ page, tenant }) => {
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(tenant.users.admin.email, "not the password");
  await expect(login.error("Wrong email or password.")).toBeVisible();
  await expect(page).toHaveURL(/\/login\?error=invalid$/);
  await snap(page, "login-error");
});

test("/ sends a visitor to the login page and a signed-in user to the campaigns", async ({ page, signIn }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await snap(page, "login");
  await signIn(page);
  await page.goto("/");
  await expect(page).toHaveURL(/\/app\/ota\/campaigns$/);
});

test("the campaign list shows this tenant's campaigns and never another's", async ({ page, db, tenant, signIn }) => {
  const other = await createTestTenant(db, "e2e-other");
  for (const [t, name] of [
    [tenant.tenantId, "Ours: roll out 2.0"],
    [other.tenantId, "Theirs: secret rollout"],
  ] as const) {
    const [fw] = await db.db
      .insert(firmwareVersions)
      .values({ tenantId: t, version: "2.0.0", fileUrl: "http://x" })
      .returning();
    await db.db.insert(otaCampaigns).values({ tenantId: t, name, firmwareVersionId: fw!.id, targetGroupId: "all" });
  }
  await signIn(page, "viewer");
  const table = page.getByRole("table");
  await expect(table.getByRole("row", { name: /Ours: roll out 2\.0/ })).toContainText("CREATED");
  await expect(table).not.toContainText("Theirs");
});
