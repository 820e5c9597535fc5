/**
 * The production web server: Next.js in custom-server mode, with one path served by us.
 * `GET|HEAD /firmware/{id}/download` is answered here with Node's own response, so that
 * a device is told the file's size (Content-Length, and Content-Range on 206): Next drops
 * that header from every route handler's response (docs/decisions/0005). Every other
 * request goes to Next's handler, as under `next start`.
 *
 *   node --import tsx scripts/web-server.ts [-p PORT] [-H HOST]
 *
 * PORT defaults to $PORT, then 3000; without -H it listens on every interface, as
 * `next start` does. The build is the one `next build` made (NEXT_DIST_DIR, default .next:
 * Next reads it from next.config.ts). SIGTERM or SIGINT closes it cleanly.
 */
import http from "node:http";
import type { Socket } from "node:net";
import { parseArgs } from "node:util";
import { isPostgresClosedSocketWrite } from "@/lib/db/client";
import { webDb } from "@/lib/db/web";
import { sendFirmwareDownload } from "@/lib/http/download";
import { startBrokerProvisioning, stopBrokerProvisioning } from "@/lib/mqtt/provisioning";

/** The device download path (`app/firmware/[id]/download/route.ts` serves it under `next dev`). */
const DOWNLOAD = /^\/firmware\/([^/]+)\/download$/;
/** How long open connections get to finish after SIGTERM before they are cut. */
const CLOSE_GRACE_MS = 5_000;

// postgres.js's write on a closed socket during a database restart is survived, as in the
// worker (lib/db/client.ts says why); any other uncaught error ends the process as usual.
process.on("uncaughtException", (err) => {
  if (isPostgresClosedSocketWrite(err)) {
    console.error(`[web] database connection closed under a pending write (postgres.js): ${err.message}; continuing`);
    return;
  }
  console.error(err);
  process.exit(1);
});

// Next reads NODE_ENV as it loads, hence the import below it (the launchers set it too).
(process.env as Record<string, string | undefined>).NODE_ENV ??= "production";
const { default: next } = await import("next");
const { values } = parseArgs({
  options: { port: { type: "string", short: "p" }, hostname: { type: "string", short: "H" } },
});
const port = Number(values.port ?? process.env.PORT ?? 3000);
const hostname = values.hostname;

const started = performance.now();
const app = next({ dev: false, dir: process.cwd(), hostname: hostname ?? "localhost", port });
await app.prepare();
// With MQTT_DYNSEC=1: connect to Mosquitto's dynamic security now, so that a wrong service
// credential stops the start instead of failing the first device registration.
await startBrokerProvisioning();
const nextHandler = app.getRequestHandler();

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://localhost");
  const segment = DOWNLOAD.exec(url.pathname)?.[1];
  const id = segment === undefined ? undefined : safeDecode(segment);
  if (id !== undefined && (req.method === "GET" || req.method === "HEAD")) {
    sendFirmwareDownload(webDb().db, req, res, url, id).catch((err) => {
      console.error("[web] download failed:", err);
      res.destroy();
    });
    return;
  }
  nextHandler(req, res).catch((err) => {
    console.error("[web] request failed:", err);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
  });
});

const sockets = new Set<Socket>();
server.on("connection", (s) => {
  sockets.add(s);
  s.on("close", () => sockets.delete(s));
});
server.listen(port, hostname, () => {
  const shown = !hostname || hostname === "0.0.0.0" || hostname === "::" ? "localhost" : hostname;
  console.log(`Flotilla web server (Next.js, custom server) on http://${shown}:${port}`);
  console.log(`Ready in ${Math.round(performance.now() - started)} ms`);
});
server.on("error", (err) => {
  console.error("[web] server error:", err);
  process.exit(1);
});

let closing = false;
async function close() {
  if (closing) return;
  closing = true;
  // Idle keep-alive connections close now; a download in flight gets a grace period.
  server.closeIdleConnections();
  const cut = setTimeout(() => {
    for (const s of sockets) s.destroy();
  }, CLOSE_GRACE_MS);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  clearTimeout(cut);
  await app.close().catch(() => {});
  await stopBrokerProvisioning().catch(() => {});
  await (globalThis as { __flotillaWebDb?: { close: () => Promise<void> } }).__flotillaWebDb?.close().catch(() => {});
  process.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void close());

/** A percent-decoded path segment, or undefined for a malformed one (Next then answers it). */
function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
