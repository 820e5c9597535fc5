import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, resolveChromiumSync } from "./e2e/chromium";

/**
 * Run through `npm test`, which starts the production build, the worker and real
 * services, resolves the browser (e2e/chromium.ts), and passes BASE_URL, DATABASE_URL
 * and CHROMIUM_PATH here.
 */
const browser = resolveChromiumSync();

export default defineConfig({
  testDir: "./e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  use: {
    baseURL: process.env.BASE_URL ?? "http://localhost:3000",
    trace: "retain-on-failure",
    ...devices["Desktop Chrome"],
    launchOptions: {
      executablePath: browser.executablePath,
      args: CHROMIUM_ARGS,
      ...(browser.fontconfigPath ? { env: { ...process.env, FONTCONFIG_PATH: browser.fontconfigPath } } : {}),
    },
  },
});
