/**
 * The embedded broker for the reconnect storm (bench/reconnect.ts), in a process of its own:
 * with BENCH_BROKER_AUTH=1, device auth over DATABASE_URL exactly as `npm start` runs it
 * (lib/runtime/services.ts); with 0, the same aedes open, as the ceiling. Answers
 * `{"cmd": "stats"}` with its device-auth counters.
 */
import postgres from "postgres";
import { startEmbeddedBroker } from "@/lib/embedded/broker";
import { emit, onParentMessage } from "../children";

const auth = process.env.BENCH_BROKER_AUTH === "1";
const sql = auth
  ? postgres(process.env.DATABASE_URL!, {
      max: 4,
      onnotice: () => {},
      connection: { application_name: "flotilla-broker" },
    })
  : undefined;
const broker = await startEmbeddedBroker({
  port: Number(process.env.BENCH_BROKER_PORT),
  deviceAuth: sql
    ? {
        sql,
        serviceUsername: process.env.BENCH_SERVICE_USERNAME,
        servicePassword: process.env.BENCH_SERVICE_PASSWORD,
      }
    : undefined,
});
onParentMessage((msg) => {
  if (msg.cmd === "stats") emit({ type: "stats", stats: broker.stats() ?? null });
});
emit({ type: "ready", url: broker.url });
const stop = async () => {
  await broker.close().catch(() => {});
  await sql?.end({ timeout: 2 }).catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
