/**
 * `npm run start:web`: the web server alone, for production against real services
 * (DATABASE_URL, MQTT_URL and AUTH_SECRET set; run `npm run migrate` and `npm run build` first).
 */
import path from "node:path";
import { config, requireAuthSecret, requireDatabaseUrl } from "@/lib/config";
import { startChild } from "@/lib/runtime/children";

const cfg = config();
requireDatabaseUrl(cfg);
requireAuthSecret(cfg);
const child = startChild("web", path.resolve("node_modules/.bin/next"), ["start", "-p", String(cfg.PORT)], {
  ...process.env,
  NODE_ENV: "production",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill("SIGTERM"));
child.on("exit", (code) => process.exit(code ?? 0));
