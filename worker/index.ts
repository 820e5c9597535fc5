/**
 * The worker: rollout ticks and status ingestion (issue 4). For now it connects to
 * the database and the broker, reports ready, and exits cleanly on SIGTERM.
 */
import { config, ConfigError, requireDatabaseUrl } from "@/lib/config";
import { createDb } from "@/lib/db/client";
import { connectMqtt } from "@/lib/mqtt/client";

const log = (msg: string) => console.log(`${new Date().toISOString()} ${msg}`);

async function main() {
  const cfg = config();
  if (!cfg.MQTT_URL) throw new ConfigError("MQTT_URL is not set. Use `npm start` for the embedded default.");
  const handle = createDb(requireDatabaseUrl(cfg), { max: cfg.DB_POOL_SIZE, name: "flotilla-worker" });
  await handle.sql`SELECT 1`;
  const mqtt = await connectMqtt({
    url: cfg.MQTT_URL,
    username: cfg.MQTT_USERNAME,
    password: cfg.MQTT_PASSWORD,
    clientIdPrefix: "flotilla-worker",
  });
  log(`ready: database connected, broker ${cfg.MQTT_URL} connected, tick every ${cfg.OTA_TICK_INTERVAL_MS} ms`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    await mqtt.endAsync();
    await handle.close();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
