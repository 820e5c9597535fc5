import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedBroker } from "@/lib/embedded/broker";
import { ensureDatabase, startEmbeddedPostgres } from "@/lib/embedded/postgres";
import { freePort } from "@/lib/embedded/ports";
import { runMigrations } from "@/lib/db/migrate";
import { assertLocalUrl } from "./local-only";

export interface TestServices {
  databaseUrl: string;
  mqttUrl: string;
  /** aedes has no shared subscriptions: tests of them run only on an external broker. */
  brokerKind: "aedes" | "external";
  /** A temporary FIRMWARE_DIR shared by the tests and the server under test. */
  firmwareDir: string;
  stop: () => Promise<void>;
}

/**
 * Real services for a test run, never mocks. With DATABASE_URL set, a fresh
 * database on that (local) server, dropped afterwards; otherwise an embedded
 * PostgreSQL in a temporary directory on a free port. With MQTT_URL set, that
 * broker; otherwise aedes on a free port. The database comes back migrated.
 */
export async function startTestServices(log: (line: string) => void = () => {}): Promise<TestServices> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => log(`teardown: ${e}`));
  };
  try {
    let databaseUrl: string;
    const external = process.env.DATABASE_URL;
    if (external) {
      assertLocalUrl(external, "DATABASE_URL");
      const name = `flotilla_test_${randomBytes(4).toString("hex")}`;
      const admin = new URL(external);
      await ensureDatabase(admin.toString(), name);
      const url = new URL(external);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      stops.push(async () => {
        const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
        await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await sql.end();
      });
      log(`PostgreSQL: database ${name} on ${admin.host}`);
    } else {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-test-pg-"));
      // The embedded server runs as the `postgres` user when we are root: let it into the directory.
      fs.chmodSync(dir, 0o777);
      const port = await freePort();
      const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "data"), port, persistent: false });
      stops.push(async () => {
        await pg.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      databaseUrl = pg.url;
      log(`PostgreSQL: embedded on 127.0.0.1:${port}`);
    }
    await runMigrations(databaseUrl);

    let mqttUrl = process.env.MQTT_URL;
    if (mqttUrl) {
      assertLocalUrl(mqttUrl, "MQTT_URL");
      log(`MQTT: ${mqttUrl}`);
    } else {
      const broker = await startEmbeddedBroker({ port: await freePort() });
      stops.push(broker.close);
      mqttUrl = broker.url;
      log(`MQTT: embedded aedes on ${mqttUrl}`);
    }
    const firmwareDir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-test-fw-"));
    stops.push(async () => fs.rmSync(firmwareDir, { recursive: true, force: true }));
    return { databaseUrl, mqttUrl, brokerKind: process.env.MQTT_URL ? "external" : "aedes", firmwareDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
