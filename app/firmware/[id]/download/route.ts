import { webDb } from "@/lib/db/web";
import { open } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { serveFirmwareDownload } from "@/lib/ota/download";
import { IdPath } from "@/lib/ota/schemas";

type Ctx = { params: Promise<{ id: string }> };

/** Devices download here with a signed, expiring URL (no user credentials). */
const handler = (method: "GET" | "HEAD") => (req: Request, ctx: Ctx) =>
  open(async () => {
    const { id } = parsePath(await ctx.params, IdPath);
    return serveFirmwareDownload(webDb().db, req, id, method);
  })(req);

export const GET = handler("GET");
export const HEAD = handler("HEAD");
