/**
 * `npm run mqtt:sync`: re-synchronises Mosquitto's dynamic security with the device registry
 * (lib/mqtt/dynsec-sync.ts says what it changes, docs/mosquitto-dynsec.md when to run it).
 *
 *   DATABASE_URL=… MQTT_URL=… MQTT_USERNAME=… MQTT_PASSWORD=… npm run mqtt:sync [-- --orphan-grace-seconds N]
 *
 * DATABASE_URL must be the database owner's (it reads every tenant's devices). Exits 0 when the
 * broker is in line (devices listed as needing new credentials included: that is for an
 * operator to act on), 1 when the broker or the database cannot be reached or refused a change.
 */
import { parseArgs } from "node:util";
import { ConfigError, parseConfig, requireDatabaseUrl } from "@/lib/config";
import { createDb } from "@/lib/db/client";
import { Dynsec } from "@/lib/mqtt/dynsec";
import { syncDynsec } from "@/lib/mqtt/dynsec-sync";

const { values } = parseArgs({ options: { "orphan-grace-seconds": { type: "string" } } });
const graceSeconds = Number(values["orphan-grace-seconds"] ?? 900);

async function main(): Promise<number> {
  if (!Number.isFinite(graceSeconds) || graceSeconds < 0) throw new ConfigError("--orphan-grace-seconds must be ≥ 0");
  // This script signs nothing: AUTH_SECRET, which the configuration requires beside DATABASE_URL, may be absent.
  const cfg = parseConfig({ AUTH_SECRET: "x".repeat(32), ...process.env });
  if (!cfg.MQTT_URL) throw new ConfigError("MQTT_URL is not set: point it at the Mosquitto to synchronise.");
  if (!cfg.MQTT_DYNSEC) console.warn("note: MQTT_DYNSEC is not set; the web app will not provision this broker.");
  const handle = createDb(requireDatabaseUrl(cfg), { max: 2, name: "flotilla-mqtt-sync" });
  let dynsec: Dynsec | undefined;
  try {
    dynsec = await Dynsec.connect({ url: cfg.MQTT_URL, username: cfg.MQTT_USERNAME, password: cfg.MQTT_PASSWORD });
    const r = await syncDynsec({
      sql: handle.sql,
      dynsec,
      serviceUsername: cfg.MQTT_USERNAME,
      orphanGraceMs: graceSeconds * 1000,
      log: (l) => console.log(l),
    });
    const line = (what: string, items: string[]) =>
      console.log(`${what}: ${items.length}${items.length ? `\n  ${items.join("\n  ")}` : ""}`);
    console.log(`service role / default access: ${r.serviceChanges.length ? r.serviceChanges.join(", ") : "in place"}`);
    console.log(`devices with credentials: ${r.devices}, in line on the broker: ${r.ok}`);
    line("repaired", r.repaired);
    line("removed clients", r.removedClients);
    line("removed roles", r.removedRoles);
    line("disabled (stale)", r.disabled);
    line(
      "need new credentials (POST /customer/devices/{id}/credentials)",
      r.needCredentials.map((n) => `${n.tenantId} ${n.deviceId} (${n.reason})`),
    );
    return 0;
  } finally {
    await dynsec?.close().catch(() => {});
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`mqtt:sync failed: ${err instanceof ConfigError ? err.message : (err.message ?? err)}`);
    process.exit(1);
  },
);
