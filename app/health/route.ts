import { webDb } from "@/lib/db/web";
import { open } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { healthReport } from "@/lib/runtime/health";

export const dynamic = "force-dynamic";

/** Unauthenticated health (lib/runtime/health.ts): 503 when "down", 200 when "ok" or "degraded". */
export const GET = open(routes.health, async () => {
  const report = await healthReport(webDb().sql);
  return Response.json(report, { status: report.status === "down" ? 503 : 200 });
});
