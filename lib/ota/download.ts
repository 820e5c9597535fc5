import { firmwareDir, requireAuthSecret } from "@/lib/config";
import type { DbOrTx } from "@/lib/db/client";
import { Forbidden } from "@/lib/http/errors";
import { storedFirmwareForDownload } from "./firmware";
import { parseRange } from "./range";
import { verifyDownloadSignature } from "./signed-url";
import { readStored } from "./storage";

/**
 * A device's firmware download: the signed URL is checked first (403 for a missing,
 * wrong or expired signature), then the stored file is served whole or, for a
 * `Range` request, as 206 with just that slice, so that an interrupted download resumes.
 */
export async function serveFirmwareDownload(
  db: DbOrTx,
  req: Request,
  firmwareId: number,
  method: "GET" | "HEAD",
): Promise<Response> {
  const url = new URL(req.url);
  const ok = verifyDownloadSignature(firmwareId, url.searchParams.get("exp"), url.searchParams.get("sig"), requireAuthSecret());
  if (!ok) throw new Forbidden("Download link is missing its signature, or it is wrong or expired");
  const fw = await storedFirmwareForDownload(db, firmwareId);
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
    "Content-Disposition": `attachment; filename="firmware-${fw.version.replace(/[^\w.-]/g, "_")}.bin"`,
    "Cache-Control": "private, max-age=0",
    ...(fw.sha256 ? { ETag: `"${fw.sha256}"` } : {}),
  };
  // If-Range: resume only if the file is still the one the device started on.
  const ifRange = req.headers.get("if-range");
  const rangeHeader = ifRange && ifRange !== headers.ETag ? null : req.headers.get("range");
  const range = parseRange(rangeHeader, fw.sizeBytes);
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${fw.sizeBytes}` } });
  }
  const [start, end] = range ?? [0, fw.sizeBytes - 1];
  const length = fw.sizeBytes === 0 ? 0 : end - start + 1;
  const body = method === "HEAD" || length === 0 ? null : readStored(firmwareDir(), fw.storageKey, start, end);
  return new Response(body, {
    status: range ? 206 : 200,
    headers: {
      ...headers,
      "Content-Length": String(length),
      ...(range ? { "Content-Range": `bytes ${start}-${end}/${fw.sizeBytes}` } : {}),
    },
  });
}
