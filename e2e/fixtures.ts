import { test as base, expect, type Page } from "@playwright/test";
import type { DbHandle } from "@/lib/db/client";
import { createTestTenant, testDb, type TestTenant } from "../tests/support/db";

/**
 * Each test gets its own tenant (one user per role) in the database that the
 * server under test uses, so that specs never share data (documenso's pattern).
 */
export const test = base.extend<
  { tenant: TestTenant; signIn: (page: Page, role?: "admin" | "operator" | "viewer") => Promise<void> },
  { db: DbHandle }
>({
  db: [
    async ({}, use) => {
      const handle = testDb();
      await use(handle);
      await handle.close();
    },
    { scope: "worker" },
  ],
  tenant: async ({ db }, use) => {
    await use(await createTestTenant(db, "e2e"));
  },
  signIn: async ({ tenant }, use) => {
    await use(async (page, role = "admin") => {
      await page.goto("/login");
      await page.getByLabel("Email").fill(tenant.users[role].email);
      await page.getByLabel("Password").fill(tenant.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page).toHaveURL(/\/app\/ota\/campaigns$/);
    });
  },
});

export { expect };
