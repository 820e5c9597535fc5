import http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { firmwareDir, requireAuthSecret } from "@/lib/config";
import type { DbOrTx, Db } from "@/lib/db/client";
import { freePort } from "@/lib/embedded/ports";
import { firmwareDownloadResponse } from "@/lib/http/download";
import { errorResponse } from "@/lib/http/respond";
import { createStoredFirmware } from "@/lib/ota/firmware";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { storeBuffer } from "@/lib/ota/storage";
import { demoBinary } from "@/lib/demo/binary";

/**
 * The device download route (`GET|HEAD /firmware/{id}/download?exp&sig`) over real
 * HTTP on 127.0.0.1, without Next.js: the same `firmwareDownloadResponse` and error
 * mapper, so devices (the simulator) and the worker's signed URLs are tested against
 * the production code. Set PUBLIC_URL to `origin` for a worker under test.
 * Needs AUTH_SECRET and FIRMWARE_DIR in process.env (the global setup sets them).
 */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  range: string | null;
  ifRange: string | null;
  userAgent: string | null;
  status: number;
}

export interface DownloadServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  origin: string;
  /** Every request answered so far, in order. */
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

const ROUTE = /^\/firmware\/(\d{1,10})\/download$/;

export async function startDownloadServer(db: DbOrTx): Promise<DownloadServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    answer(req, res).catch((err) => {
      console.error("[download-server]", err);
      res.destroy();
    });
  });
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", origin);
    const method = req.method ?? "GET";
    const id = ROUTE.exec(url.pathname)?.[1];
    let response: Response;
    if (!id || (method !== "GET" && method !== "HEAD")) {
      response = Response.json({ detail: "Not found", code: "not_found" }, { status: 404 });
    } else {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      try {
        response = await firmwareDownloadResponse(db, new Request(url, { method, headers }), Number(id), method);
      } catch (err) {
        response = errorResponse(err);
      }
    }
    requests.push({
      method,
      path: url.pathname,
      range: req.headers.range ?? null,
      ifRange: (req.headers["if-range"] as string | undefined) ?? null,
      userAgent: req.headers["user-agent"] ?? null,
      status: response.status,
    });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body || method === "HEAD") {
      await response.body?.cancel();
      return res.end();
    }
    // A client that hangs up mid-body (an interrupted download) is normal: just release the file.
    await pipeline(Readable.fromWeb(response.body as never), res).catch(() => {});
  };
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    origin,
    requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface TestFirmware {
  id: number;
  version: string;
  sha256: string;
  sizeBytes: number;
  /** An absolute signed download URL on `origin`, valid for `ttlSeconds` (default 1 hour). */
  url: (origin: string, ttlSeconds?: number) => string;
}

/**
 * A stored firmware binary of `size` deterministic bytes, registered for the tenant
 * as an upload would register it.
 */
export async function createTestFirmware(
  db: Db,
  tenantId: string,
  opts: { version: string; size: number; deviceType?: string },
): Promise<TestFirmware> {
  const stored = await storeBuffer(firmwareDir(), demoBinary(`test-firmware-${tenantId}-${opts.version}`, opts.size));
  const fw = await db.transaction((tx) =>
    createStoredFirmware(tx, tenantId, { version: opts.version, device_type: opts.deviceType ?? null }, stored, "test"),
  );
  return {
    id: fw.id,
    version: fw.version,
    sha256: stored.sha256,
    sizeBytes: stored.sizeBytes,
    url: (origin, ttlSeconds = 3600) =>
      `${origin}${signDownloadUrl(fw.id, new Date(Date.now() + ttlSeconds * 1000), requireAuthSecret())}`,
  };
}
