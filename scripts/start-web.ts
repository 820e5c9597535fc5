/**
 * `npm run start:web`: the web server alone, for production against real services
 * (DATABASE_URL, MQTT_URL and AUTH_SECRET set; run `npm run migrate` and `npm run build` first).
 */
import { config, requireAuthSecret, requireDatabaseUrl } from "@/lib/config";
import { startChild } from "@/lib/runtime/children";

const cfg = config();
requireDatabaseUrl(cfg);
requireAuthSecret(cfg);
// Next's server with the device download path served outside it (docs/decisions/0005).
const child = startChild(
  "web",
  process.execPath,
  ["--import", "tsx", "scripts/web-server.ts", "-p", String(cfg.PORT)],
  {
    ...process.env,
    NODE_ENV: "production",
  },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill("SIGTERM"));
child.on("exit", (code) => process.exit(code ?? 0));
