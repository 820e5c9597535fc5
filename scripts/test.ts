/**
 * `npm test`: the whole suite against real services. Starts PostgreSQL and an MQTT
 * broker (embedded on free ports, or the local ones named by DATABASE_URL / MQTT_URL,
 * in a fresh database), builds the web app, runs Vitest (unit and integration), then
 * starts the production server and the worker and runs Playwright in Chromium (the
 * installed one, else the one inside the @sparticuz/chromium package: e2e/chromium.ts).
 * Everything it started is stopped before it exits.
 */
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { chromiumEnv, resolveChromium } from "../e2e/chromium";
import { freePort } from "@/lib/embedded/ports";
import { runToEnd, startChild, stopChild } from "@/lib/runtime/children";
import { startTestServices, type TestServices } from "../tests/support/services";

const log = (line: string) => console.log(`[test]   ${line}`);
const bin = (name: string) => path.resolve("node_modules", ".bin", name);

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`web server did not answer ${url}/health within ${timeoutMs} ms`);
}

async function main(): Promise<number> {
  let services: TestServices | undefined;
  const children: ChildProcess[] = [];
  try {
    // Before anything slow: a missing browser fails in seconds, and the package's browser
    // (on a machine without one) is extracted once, not by each Playwright process.
    const browser = await resolveChromium();
    log(`browser: ${browser.executablePath} (${browser.source})`);
    services = await startTestServices(log);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: services.databaseUrl,
      MQTT_URL: services.mqttUrl,
      FLOTILLA_TEST_BROKER: services.brokerKind,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      FIRMWARE_DIR: services.firmwareDir,
      FLOTILLA_TEST_SERVICES: "1",
      SIMULATE_DEVICES: "0",
    };

    if (process.env.SKIP_BUILD !== "1") {
      log("building the web app…");
      await runToEnd("build", bin("next"), ["build"], { ...env, NODE_ENV: "production" });
    }

    if (process.env.SKIP_VITEST === "1") log("SKIP_VITEST=1: skipping vitest");
    else {
      log("unit and integration tests (vitest)…");
      await runToEnd("vitest", bin("vitest"), ["run"], env);
    }

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // A one-second tick, so that the browser tests watch campaigns finish in seconds.
    const appEnv: NodeJS.ProcessEnv = {
      ...env,
      PORT: String(port),
      PUBLIC_URL: baseUrl,
      NODE_ENV: "production",
      OTA_TICK_INTERVAL_MS: "1000",
    };
    const webArgs = ["--import", "tsx", "scripts/web-server.ts", "-p", String(port), "-H", "127.0.0.1"];
    children.push(startChild("web", process.execPath, webArgs, appEnv));
    children.push(startChild("worker", process.execPath, ["--import", "tsx", "worker/index.ts"], appEnv));
    await waitForHealth(baseUrl, 60_000);

    log(`end-to-end tests (playwright) against ${baseUrl}…`);
    // Arguments after `npm test --` go to Playwright (e.g. one spec file).
    await runToEnd("e2e", bin("playwright"), ["test", ...process.argv.slice(2)], {
      ...env,
      ...chromiumEnv(browser),
      BASE_URL: baseUrl,
      OTA_TICK_INTERVAL_MS: "1000",
    });
    log("all tests passed");
    return 0;
  } catch (err) {
    console.error(`[test]   FAILED: ${err instanceof Error ? err.message : err}`);
    return 1;
  } finally {
    await Promise.all(children.map((c) => stopChild(c)));
    await services?.stop();
  }
}

main().then((code) => process.exit(code));
