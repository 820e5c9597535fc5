import fs from "node:fs";
import type http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DbOrTx } from "@/lib/db/client";
import { authorizeDownload, type DownloadableFile } from "@/lib/ota/download";
import { IdPath } from "@/lib/ota/schemas";
import { parsePath } from "./parse";
import { parseRange } from "./range";
import { errorResponse } from "./respond";

/**
 * The device download (`GET|HEAD /firmware/{id}/download?exp&sig`) on the wire, in two
 * transports over one plan: a web `Response` for the Next route handler (used by `next dev`
 * and by tests that call the handler), and a Node response for the production web server,
 * which serves this path itself because Next drops a route handler's Content-Length
 * (docs/decisions/0005-device-downloads-outside-next.md). The domain (lib/ota/download.ts)
 * checks the signature and names the file; everything HTTP about it is here.
 */

/** What a device's download request asked for: the signed URL's query and its range headers. */
export interface DownloadRequest {
  exp: string | null;
  sig: string | null;
  range: string | null;
  ifRange: string | null;
}

/**
 * The answer to a download, as values: the transport writes the status and headers and
 * streams `body`'s bytes from disk. `body` is null when there is nothing to send (416, an
 * empty file); a HEAD request gets the same plan and sends no body.
 */
export interface DownloadPlan {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  /** The stored file and the inclusive byte range of it to send. */
  body: { path: string; start: number; end: number } | null;
}

/** What the plan needs from a request URL and its headers. */
export function downloadRequest(url: URL, header: (name: string) => string | null): DownloadRequest {
  return {
    exp: url.searchParams.get("exp"),
    sig: url.searchParams.get("sig"),
    range: header("range"),
    ifRange: header("if-range"),
  };
}

/**
 * The file whole or, for a `Range` request, as 206 with just that slice, so that an
 * interrupted download resumes; `If-Range` resumes only while the ETag still matches.
 */
export function downloadPlan(file: DownloadableFile, range: string | null, ifRange: string | null): DownloadPlan {
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    "Content-Type": "application/octet-stream",
    "Content-Disposition": `attachment; filename="firmware-${file.version.replace(/[^\w.-]/g, "_")}.bin"`,
    "Cache-Control": "private, max-age=0",
    ...(file.sha256 ? { ETag: `"${file.sha256}"` } : {}),
  };
  const wanted = parseRange(ifRange && ifRange !== headers.ETag ? null : range, file.sizeBytes);
  if (wanted === "unsatisfiable") {
    return { status: 416, headers: { ...headers, "Content-Range": `bytes */${file.sizeBytes}` }, body: null };
  }
  const [start, end] = wanted ?? [0, file.sizeBytes - 1];
  const length = file.sizeBytes === 0 ? 0 : end - start + 1;
  return {
    status: wanted ? 206 : 200,
    headers: {
      ...headers,
      "Content-Length": String(length),
      ...(wanted ? { "Content-Range": `bytes ${start}-${end}/${file.sizeBytes}` } : {}),
    },
    body: length === 0 ? null : { path: file.path, start, end },
  };
}

/** The signature checked (403), the file found (404), then the plan for the request's range. */
export async function planFirmwareDownload(
  db: DbOrTx,
  firmwareId: number,
  req: DownloadRequest,
): Promise<DownloadPlan> {
  return downloadPlan(await authorizeDownload(db, firmwareId, req.exp, req.sig), req.range, req.ifRange);
}

/** The download as a web Response (the Next route handler's transport). */
export async function firmwareDownloadResponse(
  db: DbOrTx,
  req: Request,
  firmwareId: number,
  method: "GET" | "HEAD",
): Promise<Response> {
  const plan = await planFirmwareDownload(
    db,
    firmwareId,
    downloadRequest(new URL(req.url), (n) => req.headers.get(n)),
  );
  const body =
    method === "HEAD" || !plan.body
      ? null
      : (Readable.toWeb(
          fs.createReadStream(plan.body.path, { start: plan.body.start, end: plan.body.end }),
        ) as ReadableStream<Uint8Array>);
  return new Response(body, { status: plan.status, headers: plan.headers });
}

/**
 * The download written to a Node response, with the exact Content-Length, the file
 * streamed from disk (never held in memory). `rawId` is the path segment, parsed as the
 * route parses it. Errors (403, 404, 422) become the API's
 * `{"detail", "code"}` body through the one error mapper.
 */
export async function sendFirmwareDownload(
  db: DbOrTx,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  rawId: string,
): Promise<void> {
  const method = req.method === "HEAD" ? "HEAD" : "GET";
  let plan: DownloadPlan;
  try {
    const { id } = parsePath({ id: rawId }, IdPath);
    plan = await planFirmwareDownload(
      db,
      id,
      downloadRequest(url, (n) => headerValue(req, n)),
    );
  } catch (err) {
    return sendWebResponse(errorResponse(err), res, method);
  }
  res.statusCode = plan.status;
  for (const [k, v] of Object.entries(plan.headers)) res.setHeader(k, v);
  if (!plan.body) {
    if (!res.hasHeader("content-length")) res.setHeader("Content-Length", "0");
    res.end();
    return;
  }
  if (method === "HEAD") {
    res.end();
    return;
  }
  // A device that hangs up mid-body (an interrupted download) is normal: just release the file.
  await pipeline(fs.createReadStream(plan.body.path, { start: plan.body.start, end: plan.body.end }), res).catch(() =>
    res.destroy(),
  );
}

function headerValue(req: http.IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === "string" ? v : null;
}

/** A small, whole web Response (an error body) written to a Node response with its length. */
async function sendWebResponse(response: Response, res: http.ServerResponse, method: "GET" | "HEAD"): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  response.headers.forEach((v, k) => res.setHeader(k, v));
  res.setHeader("Content-Length", String(body.length));
  res.end(method === "HEAD" ? undefined : body);
}
