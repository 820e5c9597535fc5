import { test as base, expect, type Page } from "@playwright/test";
import type { DbHandle } from "@/lib/db/client";
import type { PublicJwk } from "@/lib/rollout/manifest";
import { startFleet, type SimulatedFleet } from "@/lib/simulator/fleet";
import { issueSimulatorCredentials, readTenantJwks } from "@/lib/simulator/provision";
import { createTestTenant, testDb, type TestTenant } from "../tests/support/db";
import { blockingViolations, type A11yViolation } from "./a11y";
import { LoginPage } from "./pages/login";
import { DESKTOP } from "./screenshot";

/**
 * Each test gets its own tenant (one user per role) in the database that the
 * server under test uses, so that specs never share data (documenso's pattern).
 */
export const test = base.extend<
  {
    tenant: TestTenant;
    signIn: (page: Page, role?: "admin" | "operator" | "viewer") => Promise<void>;
    /**
     * Starts simulated devices (the real simulator) for this test's tenant, registered devices
     * provisioned as at registration: new credentials of their own and the tenant's JWKS, so
     * that each verifies every manifest (and, given `releaseKeys`, every release signature).
     * Stopped after the test.
     */
    simulate: (deviceIds: string[], opts?: { delayMs?: number; releaseKeys?: PublicJwk[] }) => Promise<SimulatedFleet>;
    /**
     * Checks the page as it is now with axe-core; a serious or critical violation fails
     * the test at its end (a soft assertion), so that one run lists every page's.
     */
    checkA11y: (label: string) => Promise<A11yViolation[]>;
  },
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
  simulate: async ({ db, tenant }, use) => {
    const fleets: SimulatedFleet[] = [];
    await use(async (deviceIds, opts = {}) => {
      // The server's own secret: a signing key this creates must be one the worker can decrypt.
      const authSecret = process.env.AUTH_SECRET;
      if (!authSecret) throw new Error("AUTH_SECRET is not set: run the e2e tests through scripts/test.ts");
      // New credentials, as a factory line would hold them (the open test broker just carries them).
      const passwords = await issueSimulatorCredentials(db.db, tenant.tenantId, deviceIds);
      const jwks = await readTenantJwks(db.db, tenant.tenantId, authSecret);
      const fleet = await startFleet({
        devices: deviceIds.map((deviceId) => ({
          tenantId: tenant.tenantId,
          deviceId,
          version: null,
          password: passwords.get(deviceId),
          jwks,
          releaseKeys: opts.releaseKeys,
        })),
        mqtt: { url: process.env.MQTT_URL! },
        delayMs: opts.delayMs ?? 150,
      });
      fleets.push(fleet);
      return fleet;
    });
    await Promise.all(fleets.map((f) => f.stop()));
  },
  checkA11y: async ({ page }, use) => {
    await use(async (label) => {
      const found = await blockingViolations(page, label);
      if (found.length) console.log(`[axe] ${JSON.stringify(found)}`);
      expect.soft(found, `serious or critical axe-core violations on ${label}`).toEqual([]);
      return found;
    });
  },
  signIn: async ({ tenant }, use) => {
    await use(async (page, role = "admin") => {
      await page.setViewportSize(DESKTOP);
      const login = new LoginPage(page);
      await login.goto();
      await login.signIn(tenant.users[role].email, tenant.password);
      await expect(page).toHaveURL(/\/app\/ota\/campaigns$/);
    });
  },
});

export { expect };
