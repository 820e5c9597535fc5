import { config } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { DeviceAuthorizer } from "./device-auth";

// One authorizer (and so one credential cache) per web process, on globalThis like the pool
// (lib/db/web.ts), so that dev-mode reloads do not start a cold cache each time.
const g = globalThis as unknown as { __flotillaHookAuthorizer?: DeviceAuthorizer };

/** The web process's DeviceAuthorizer for the broker hooks: the web pool, the configured service credential. */
export function hookAuthorizer(): DeviceAuthorizer {
  g.__flotillaHookAuthorizer ??= new DeviceAuthorizer({
    sql: webDb().sql,
    serviceUsername: config().MQTT_USERNAME,
    servicePassword: config().MQTT_PASSWORD,
  });
  return g.__flotillaHookAuthorizer;
}
