import type { RouteSpec } from "./routes/spec";

/**
 * Answers that carry a device's password, which exists nowhere else once sent: no cache
 * (a browser's, a proxy's) may keep a copy.
 */
const NO_STORE = { "Cache-Control": "no-store" };

/** JSON with the route's success status, never stored by a cache. */
export function credentialsJson(spec: RouteSpec, body: unknown): Response {
  return Response.json(body, { status: spec.ok, headers: NO_STORE });
}

/** A CSV file to save (the factory line's credentials), never stored by a cache. */
export function credentialsCsvFile(spec: RouteSpec, csv: string, filename: string): Response {
  return new Response(csv, {
    status: spec.ok,
    headers: {
      ...NO_STORE,
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
    },
  });
}

/**
 * Whether the client asks for CSV rather than JSON: `text/csv` in Accept with a quality
 * above that of `application/json`, and no lower than a wildcard's (named beside a
 * wildcard of the same quality, CSV wins). JSON otherwise, including when Accept is absent.
 */
export function prefersCsv(req: Request): boolean {
  const accept = req.headers.get("accept");
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  let wildcard = 0;
  for (const part of accept.split(",")) {
    const [range = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (range === "text/csv") csv = Math.max(csv, q);
    else if (range === "application/json") json = Math.max(json, q);
    else if (range === "*/*" || range === "application/*") wildcard = Math.max(wildcard, q);
  }
  return csv > 0 && csv > json && csv >= wildcard;
}
