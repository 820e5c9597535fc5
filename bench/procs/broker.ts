/**
 * The embedded broker (aedes, as `npm start` and the tests use it) in a process of its
 * own, so that the bench's subscriber and publishers do not share its event loop.
 */
import { startEmbeddedBroker } from "@/lib/embedded/broker";
import { emit } from "../children";

const broker = await startEmbeddedBroker({ port: Number(process.env.BENCH_BROKER_PORT) });
emit({ type: "ready", url: broker.url });
const stop = async () => {
  await broker.close().catch(() => {});
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
