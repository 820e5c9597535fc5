import { firmwareDir, requireAuthSecret } from "@/lib/config";
import type { DbOrTx } from "@/lib/db/client";
import { Forbidden } from "@/lib/errors";
import { storedFirmwareForDownload } from "./firmware";
import { parseRange } from "./range";
import { verifyDownloadSignature } from "./signed-url";
import { storedPath } from "./storage";

/** What a device's download request asked for: the signed URL's query and its range headers. */
export interface DownloadRequest {
  exp: string | null;
  sig: string | null;
  range: string | null;
  ifRange: string | null;
}

/**
 * The answer to a download, as values: the transport (the Next route handler, or the web
 * server's own download path, see docs/decisions/0005) writes the status and headers and
 * streams `body`'s bytes from disk. `body` is null when there is nothing to send (416, an
 * empty file); a HEAD request gets the same plan and sends no body.
 */
export interface DownloadPlan {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  /** The stored file and the inclusive byte range of it to send. */
  body: { path: string; start: number; end: number } | null;
}

/**
 * A device's firmware download: the signed URL is checked first (403 for a missing,
 * wrong or expired signature), then the stored file is served whole or, for a
 * `Range` request, as 206 with just that slice, so that an interrupted download resumes.
 */
export async function planFirmwareDownload(
  db: DbOrTx,
  firmwareId: number,
  req: DownloadRequest,
): Promise<DownloadPlan> {
  const ok = verifyDownloadSignature(firmwareId, req.exp, req.sig, requireAuthSecret());
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
  const rangeHeader = req.ifRange && req.ifRange !== headers.ETag ? null : req.range;
  const range = parseRange(rangeHeader, fw.sizeBytes);
  if (range === "unsatisfiable") {
    return { status: 416, headers: { ...headers, "Content-Range": `bytes */${fw.sizeBytes}` }, body: null };
  }
  const [start, end] = range ?? [0, fw.sizeBytes - 1];
  const length = fw.sizeBytes === 0 ? 0 : end - start + 1;
  return {
    status: range ? 206 : 200,
    headers: {
      ...headers,
      "Content-Length": String(length),
      ...(range ? { "Content-Range": `bytes ${start}-${end}/${fw.sizeBytes}` } : {}),
    },
    body: length === 0 ? null : { path: storedPath(firmwareDir(), fw.storageKey), start, end },
  };
}
