import { z } from "zod";
import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { firmwareFileInfo, readFirmwareSlice } from "@/lib/ota/firmware";
import { parseRange } from "@/lib/ota/range";

const Path = z.object({ id: z.coerce.number().int().positive() });

/** The stored binary, resumable: a `Range: bytes=a-b` request gets 206 with just that slice. */
export const GET = authed({}, async ({ req, params, principal, tenant }) => {
  const { id } = parsePath(params, Path);
  return tenant(async (tx) => {
    const info = await firmwareFileInfo(tx, principal.tenantId, id);
    const range = parseRange(req.headers.get("range"), info.sizeBytes);
    const headers = {
      "Accept-Ranges": "bytes",
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="firmware-${info.version}.bin"`,
      ETag: `"${info.sha256}"`,
    };
    if (range === "unsatisfiable") {
      return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${info.sizeBytes}` } });
    }
    const [start, end] = range ?? [0, info.sizeBytes - 1];
    const body = info.sizeBytes === 0 ? Buffer.alloc(0) : await readFirmwareSlice(tx, principal.tenantId, id, start, end);
    return new Response(new Uint8Array(body), {
      status: range ? 206 : 200,
      headers: {
        ...headers,
        "Content-Length": String(body.length),
        ...(range ? { "Content-Range": `bytes ${start}-${end}/${info.sizeBytes}` } : {}),
      },
    });
  });
});
