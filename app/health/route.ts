import { webDb } from "@/lib/db/web";
import { open } from "@/lib/http/handler";

export const dynamic = "force-dynamic";

/** Unauthenticated liveness: is the database reachable? (Worker heartbeats join this with the engine.) */
export const GET = open(async () => {
  const started = performance.now();
  const database = await webDb()
    .sql`SELECT 1`.then(() => ({ status: "ok" as const, latency_ms: Math.round(performance.now() - started) }))
    .catch((err: Error) => ({ status: "down" as const, error: err.message }));
  const status = database.status === "ok" ? "ok" : "down";
  return Response.json({ status, database }, { status: status === "ok" ? 200 : 503 });
});
