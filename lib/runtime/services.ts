import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "@/lib/config";
import { startEmbeddedBroker } from "@/lib/embedded/broker";
import { startEmbeddedPostgres } from "@/lib/embedded/postgres";

export interface Services {
  databaseUrl: string;
  mqttUrl: string;
  authSecret: string;
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
    if (!mqttUrl) {
      const broker = await startEmbeddedBroker({
        port: cfg.MQTT_PORT,
        username: cfg.MQTT_USERNAME,
        password: cfg.MQTT_PASSWORD,
      });
      stops.push(broker.close);
      mqttUrl = broker.url;
      log(`embedded MQTT broker on ${mqttUrl}`);
    }
    const authSecret = cfg.AUTH_SECRET ?? readOrCreateSecret(path.join(cfg.DATA_DIR, "auth-secret"));
    return {
      databaseUrl,
      mqttUrl,
      authSecret,
      embedded: { postgres: !cfg.DATABASE_URL, broker: !cfg.MQTT_URL },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The embedded default's signing key: generated once, kept so that sessions survive restarts. */
function readOrCreateSecret(file: string): string {
  if (fs.existsSync(file)) return fs.readFileSync(file, "utf8").trim();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
