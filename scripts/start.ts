/**
 * `npm start`: everything from one command. Brings up the database and broker
 * (embedded unless DATABASE_URL / MQTT_URL are set), migrates, seeds the demo into
 * a new database, builds the web app if no build exists, then runs the web server,
 * the worker and (unless SIMULATE_DEVICES=0) simulated devices for the demo tenants,
 * with prefixed output. Ctrl-C stops all of it.
 */
import fs from "node:fs";
import path from "node:path";
import type { ChildProcess } from "node:child_process";
import { inArray } from "drizzle-orm";
import { ConfigError, firmwareDir, parseConfig, publicUrl } from "@/lib/config";
import { createDb, type Db } from "@/lib/db/client";
import { tenants } from "@/lib/db/schema";
import { runMigrations } from "@/lib/db/migrate";
import { takeOverShutdownSignals } from "@/lib/embedded/postgres";
import { DEMO_PASSWORD, DEMO_TENANTS, DEMO_USERS } from "@/lib/demo/data";
import { isDatabaseEmpty, seedDemo } from "@/lib/demo/seed";
import { runToEnd, startChild, stopChild } from "@/lib/runtime/children";
import { bringUpServices, type Services } from "@/lib/runtime/services";

/** Every demo device is in this group of its tenant. */
const DEMO_SIMULATED_GROUP = "all";

const log = (line: string) => console.log(`[start]  ${line}`);
const bin = (name: string) => path.resolve("node_modules", ".bin", name);

async function main() {
  let cfg;
  try {
    cfg = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }

  const children: ChildProcess[] = [];
  let services: Services | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping…");
    await Promise.all(children.map((c) => stopChild(c)));
    await services?.stop();
    log("stopped");
    process.exit(code);
  };
  takeOverShutdownSignals();
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));

  try {
    services = await bringUpServices(cfg, log);
    await runMigrations(services.databaseUrl);
    log("migrations applied");

    const url = publicUrl(cfg);
    const handle = createDb(services.databaseUrl, { max: 2, name: "flotilla-start" });
    let simulatedTenants: string[] = [];
    try {
      if (await isDatabaseEmpty(handle.db)) {
        await seedDemo(handle.db, { firmwareDir: firmwareDir(cfg), authSecret: services.authSecret });
        log("new database: demo data seeded");
        if (!services.embedded.postgres) {
          log(`WARNING: the demo users (password "${DEMO_PASSWORD}") are in the database at DATABASE_URL;`);
          log(
            "         delete them before real use, or run production with npm run migrate / start:web / start:worker",
          );
        }
      }
      if (cfg.SIMULATE_DEVICES) simulatedTenants = await demoTenantsPresent(handle.db);
    } finally {
      await handle.close();
    }

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: services.databaseUrl,
      MQTT_URL: services.mqttUrl,
      AUTH_SECRET: services.authSecret,
      PUBLIC_URL: url,
      NODE_ENV: "production",
    };
    // The service credential, for our own broker clients (the worker; the web app's probes).
    if (services.mqttUsername) env.MQTT_USERNAME = services.mqttUsername;
    if (services.mqttPassword) env.MQTT_PASSWORD = services.mqttPassword;
    // The same build directory the web server will load (next.config.ts reads NEXT_DIST_DIR).
    if (!fs.existsSync(path.join(process.env.NEXT_DIST_DIR || ".next", "BUILD_ID"))) {
      log("no build found: building the web app (next build)…");
      await runToEnd("build", bin("next"), ["build"], env);
    }
    if (stopping) return;

    for (const [name, cmd, args] of [
      // Next's server with the device download path served outside it (docs/decisions/0005).
      ["web", process.execPath, ["--import", "tsx", "scripts/web-server.ts", "-p", String(cfg.PORT)]],
      ["worker", process.execPath, ["--import", "tsx", "worker/index.ts"]],
    ] as const) {
      const child = startChild(name, cmd, [...args], env);
      child.on("exit", (code, signal) => {
        if (stopping) return;
        log(`${name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      });
      children.push(child);
    }

    // The demo fleet: simulated devices for the demo tenants' seeded devices, downloading
    // from PUBLIC_URL like real ones. Optional: if it stops, the web app and worker keep going.
    // Like real devices they connect with their own credentials, issued afresh at every
    // start (the passwords live only in the simulator's memory, so a restart re-keys them),
    // and verify every manifest against their tenant's keys. The service credential is
    // not theirs: it is kept out of their environment, except on a Mosquitto with dynamic
    // security, where the simulator needs it to provision the accounts it issues.
    if (simulatedTenants.length > 0) {
      const args = [
        "--import",
        "tsx",
        "scripts/simulate.ts",
        "--tenant",
        simulatedTenants.join(","),
        "--group",
        DEMO_SIMULATED_GROUP,
        "--issue-credentials",
      ];
      const { MQTT_USERNAME: _user, MQTT_PASSWORD: _password, ...deviceEnv } = env;
      const child = startChild("sim", process.execPath, args, cfg.MQTT_DYNSEC ? env : deviceEnv);
      child.on("exit", (code, signal) => {
        if (!stopping) log(`device simulator exited (${signal ?? code}); the web app and worker keep running`);
      });
      children.push(child);
      log(
        `simulated devices: group "${DEMO_SIMULATED_GROUP}" of ${simulatedTenants.join(", ")} (SIMULATE_DEVICES=0 turns them off)`,
      );
    }

    const admin = DEMO_USERS[0];
    log(`Flotilla is starting on http://localhost:${cfg.PORT}`);
    log(`demo login: ${admin.email} / ${DEMO_PASSWORD}  (viewer: ${DEMO_USERS[1].email})`);
    log("press Ctrl-C to stop");
  } catch (err) {
    console.error("[start]  failed:", err instanceof Error ? err.message : err);
    await shutdown(1);
  }
}

/** The demo tenants that exist in this database (none when DATABASE_URL names a database of other data). */
async function demoTenantsPresent(db: Db): Promise<string[]> {
  const ids = DEMO_TENANTS.map((t) => t.tenantId);
  const rows = await db.select({ tenantId: tenants.tenantId }).from(tenants).where(inArray(tenants.tenantId, ids));
  return ids.filter((id) => rows.some((r) => r.tenantId === id));
}

void main();
