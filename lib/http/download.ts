import fs from "node:fs";
import type http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { DbOrTx } from "@/lib/db/client";
import { planFirmwareDownload, type DownloadPlan, type DownloadRequest } from "@/lib/ota/download";
import { IdPath } from "@/lib/ota/schemas";
import { parsePath } from "./parse";
import { errorResponse } from "./respond";

/**
 * The device download (`GET|HEAD /firmware/{id}/download?exp&sig`) on the wire, in two
 * transports over one plan (`planFirmwareDownload`): a web `Response` for the Next route
 * handler (used by `next dev` and by tests that call the handler), and a Node response for
 * the production web server, which serves this path itself because Next drops a route
 * handler's Content-Length (docs/decisions/0005-device-downloads-outside-next.md).
 */

/** What the plan needs from a request URL and its headers. */
export function downloadRequest(url: URL, header: (name: string) => string | null): DownloadRequest {
  return {
    exp: url.searchParams.get("exp"),
    sig: url.searchParams.get("sig"),
    range: header("range"),
    ifRange: header("if-range"),
  };
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
