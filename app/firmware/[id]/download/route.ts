import { webDb } from "@/lib/db/web";
import { firmwareDownloadResponse } from "@/lib/http/download";
import { open } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { IdPath } from "@/lib/ota/schemas";

type Ctx = { params: Promise<{ id: string }> };

/**
 * Devices download here with a signed, expiring URL (no user credentials). In production
 * the web server (scripts/web-server.ts) answers this path itself, with the same plan, so
 * that Content-Length reaches the device; this handler serves `next dev` and handler tests.
 */
const handler = (method: "GET" | "HEAD") => (req: Request, ctx: Ctx) =>
  open(async () => {
    const { id } = parsePath(await ctx.params, IdPath);
    return firmwareDownloadResponse(webDb().db, req, id, method);
  })(req);

export const GET = handler("GET");
export const HEAD = handler("HEAD");
