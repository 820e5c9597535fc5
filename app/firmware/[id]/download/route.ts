import { webDb } from "@/lib/db/web";
import { firmwareDownloadResponse } from "@/lib/http/download";
import { open } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";

/**
 * Devices download here with a signed, expiring URL (no user credentials): a cross-tenant
 * path, authorised by the signature (lib/ota/download.ts). In production the web server
 * (scripts/web-server.ts) answers this path itself, with the same plan, so that
 * Content-Length reaches the device; this handler serves `next dev` and handler tests.
 */
export const GET = open(routes.firmwareDownload, async ({ req, path }) =>
  firmwareDownloadResponse(webDb().db, req, path.id, "GET"),
);
export const HEAD = open(routes.firmwareDownloadHead, async ({ req, path }) =>
  firmwareDownloadResponse(webDb().db, req, path.id, "HEAD"),
);
