/**
 * The worker process: rollout ticks, status ingestion and a heartbeat (lib/rollout/).
 * Run as many as you like against one database and broker. SIGTERM / SIGINT stop it
 * cleanly: buffered reports are written and acknowledged, nothing unwritten is
 * acknowledged (the broker keeps it for the next run), and its heartbeat row is removed.
 */
import { config, ConfigError, publicUrl, requireAuthSecret, requireDatabaseUrl } from "@/lib/config";
import { createDb, isPostgresClosedSocketWrite } from "@/lib/db/client";
import { startBrokerProvisioning, stopBrokerProvisioning } from "@/lib/mqtt/provisioning";
import { startWorker } from "@/lib/rollout/worker";

const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

// See isPostgresClosedSocketWrite: that one error is survived, any other uncaught one ends the process.
process.on("uncaughtException", (err) => {
  if (isPostgresClosedSocketWrite(err)) {
    log(`database connection closed under a pending write (postgres.js): ${err.message}; continuing`);
    return;
  }
  console.error(err);
  process.exit(1);
});

async function main() {
  const cfg = config();
  if (!cfg.MQTT_URL) throw new ConfigError("MQTT_URL is not set. Use `npm start` for the embedded default.");
  const handle = createDb(requireDatabaseUrl(cfg), { max: cfg.DB_POOL_SIZE, name: "flotilla-worker" });
  await handle.sql`SELECT 1`;
  // On Mosquitto with dynamic security (MQTT_DYNSEC=1): the service role exists before the
  // worker publishes, or a fresh broker would silently drop its commands.
  await startBrokerProvisioning(cfg);
  const worker = await startWorker({
    db: handle,
    mqtt: { url: cfg.MQTT_URL, username: cfg.MQTT_USERNAME, password: cfg.MQTT_PASSWORD },
    tickIntervalMs: cfg.OTA_TICK_INTERVAL_MS,
    publishTimeoutMs: cfg.OTA_PUBLISH_TIMEOUT_MS,
    publicUrl: publicUrl(cfg),
    authSecret: requireAuthSecret(cfg),
    sharedSubscription: cfg.MQTT_SHARED_SUBSCRIPTION,
    tenants: cfg.OTA_WORKER_TENANTS,
    ingestSession: cfg.OTA_INGEST_SESSION,
    probeGraceMs: cfg.OTA_PROBE_GRACE_MS,
    // Another worker took our session name (possible only after a database restart):
    // exit, so that the supervisor starts this one again under a free name.
    onSessionLost: () => void stop("session lost", 1),
    log,
  });
  log(
    `ready: worker ${worker.workerId}, broker ${cfg.MQTT_URL}, tick every ${cfg.OTA_TICK_INTERVAL_MS} ms` +
      (cfg.OTA_WORKER_TENANTS ? `, tenants ${cfg.OTA_WORKER_TENANTS.join(",")}` : "") +
      (cfg.MQTT_SHARED_SUBSCRIPTION === true ? ", shared subscription" : ""),
  );

  let stopping = false;
  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await worker.stop();
    await stopBrokerProvisioning();
    await handle.close();
    log("stopped");
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
