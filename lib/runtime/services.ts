import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "@/lib/config";
import postgres from "postgres";
import { startEmbeddedBroker } from "@/lib/embedded/broker";
import { startEmbeddedPostgres } from "@/lib/embedded/postgres";

/** The service credential's username on the embedded broker when MQTT_USERNAME is not set. */
export const EMBEDDED_SERVICE_USERNAME = "flotilla-service";

export interface Services {
  databaseUrl: string;
  mqttUrl: string;
  authSecret: string;
  /**
   * The service credential for our own broker clients (worker, simulator, scripts): MQTT_USERNAME /
   * MQTT_PASSWORD, or, on the embedded broker without them, one generated into DATA_DIR. Never a device's.
   */
  mqttUsername?: string;
  mqttPassword?: string;
  embedded: { postgres: boolean; broker: boolean };
  stop: () => Promise<void>;
}

/**
 * The database and broker the product runs on: the ones named by DATABASE_URL and
 * MQTT_URL, or, for each that is not set, an embedded one (data under DATA_DIR).
 */
export async function bringUpServices(cfg: Config, log: (line: string) => void): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`stop failed: ${e}`));
  };
  try {
    let databaseUrl = cfg.DATABASE_URL;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({
        dataDir: path.join(cfg.DATA_DIR, "pg"),
        port: cfg.EMBEDDED_PG_PORT,
      });
      stops.push(pg.stop);
      databaseUrl = pg.url;
      log(`embedded PostgreSQL on 127.0.0.1:${cfg.EMBEDDED_PG_PORT} (data in ${cfg.DATA_DIR}/pg)`);
    }
    let mqttUrl = cfg.MQTT_URL;
    let mqttUsername = cfg.MQTT_USERNAME;
    let mqttPassword = cfg.MQTT_PASSWORD;
    if (!mqttUrl) {
      if (!mqttUsername || !mqttPassword) {
        mqttUsername = EMBEDDED_SERVICE_USERNAME;
        mqttPassword = readOrCreateSecret(path.join(cfg.DATA_DIR, "mqtt-service-password"));
      }
      // The broker's own small pool, for device credential look-ups (owner connection: they
      // cross tenants). postgres.js connects on the first query, which comes after the
      // migrations: bringUpServices runs before them.
      const sql = postgres(databaseUrl, {
        max: 4,
        onnotice: () => {},
        connection: { application_name: "flotilla-broker" },
      });
      stops.push(() => sql.end({ timeout: 5 }));
      const broker = await startEmbeddedBroker({
        port: cfg.MQTT_PORT,
        deviceAuth: { sql, serviceUsername: mqttUsername, servicePassword: mqttPassword },
      });
      stops.push(broker.close);
      mqttUrl = broker.url;
      log(`embedded MQTT broker on ${mqttUrl} (devices authenticated; service user ${mqttUsername})`);
    }
    const authSecret = cfg.AUTH_SECRET ?? readOrCreateSecret(path.join(cfg.DATA_DIR, "auth-secret"));
    return {
      databaseUrl,
      mqttUrl,
      authSecret,
      mqttUsername,
      mqttPassword,
      embedded: { postgres: !cfg.DATABASE_URL, broker: !cfg.MQTT_URL },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A secret of the embedded default, generated once and kept (the signing key, so that sessions
 * survive restarts; the broker's service password, so that a restarted worker still gets in).
 */
function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
