/**
 * The device download over the real socket, against the production web server
 * (scripts/web-server.ts, as `npm start` and the browser tests run it): what a device
 * sees is the raw status and headers, so this uses `node:http`, not fetch. Under
 * `next start` the same requests answered `Transfer-Encoding: chunked` with no
 * Content-Length (docs/decisions/0005). Needs the production build that `npm test`
 * makes first (NEXT_DIST_DIR, default .next); without one, this file is skipped.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireAuthSecret } from "@/lib/config";
import { demoBinary } from "@/lib/demo/binary";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { createTestTenant, testDb } from "../support/db";
import { createTestFirmware, type TestFirmware } from "../support/download-server";
import { distDir, hasBuild, startWebServer, WEB_SERVER_HOOK_TIMEOUT_MS, type WebServer } from "../support/web-server";

if (!hasBuild)
  console.warn(
    `[download-wire] skipped: no production build in ${distDir}/ (run \`npm test\`, or \`next build\` first)`,
  );

const SIZE = 300_000;

const handle = testDb();
let server: WebServer | undefined;
let base = "";
let fw: TestFirmware;
let content: Buffer;

beforeAll(async () => {
  if (!hasBuild) return;
  const t = await createTestTenant(handle, "dlwire");
  fw = await createTestFirmware(handle.db, t.tenantId, { version: "9.1.0", size: SIZE });
  content = demoBinary(`test-firmware-${t.tenantId}-9.1.0`, SIZE);
  server = await startWebServer();
  base = server.base;
}, WEB_SERVER_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  await handle.close();
});

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request as a device makes it; bounded in time. */
function request(url: string, opts: { method?: "GET" | "HEAD"; headers?: Record<string, string> } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? "GET", headers: opts.headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within 15 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** Told its size, never chunked: what a device's update client needs. */
function expectSized(r: Raw, length: number) {
  expect(r.headers["transfer-encoding"]).toBeUndefined();
  expect(r.headers["content-length"]).toBe(String(length));
}

describe.skipIf(!hasBuild)("device downloads over the wire (the production web server)", () => {
  it("serves the whole file with its exact Content-Length", async () => {
    const r = await request(fw.url(base));
    expect(r.status).toBe(200);
    expectSized(r, SIZE);
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers["etag"]).toBe(`"${fw.sha256}"`);
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    expect(r.body.equals(content)).toBe(true);
  });

  it("answers HEAD with the exact Content-Length and no body", async () => {
    const r = await request(fw.url(base), { method: "HEAD" });
    expect(r.status).toBe(200);
    expectSized(r, SIZE);
    expect(r.body.length).toBe(0);
  });

  it("serves a first range and an open-ended range as 206 with Content-Length and Content-Range", async () => {
    const first = await request(fw.url(base), { headers: { Range: "bytes=0-99" } });
    expect(first.status).toBe(206);
    expectSized(first, 100);
    expect(first.headers["content-range"]).toBe(`bytes 0-99/${SIZE}`);
    expect(first.body.equals(content.subarray(0, 100))).toBe(true);

    const rest = await request(fw.url(base), { headers: { Range: "bytes=100-", "If-Range": `"${fw.sha256}"` } });
    expect(rest.status).toBe(206);
    expectSized(rest, SIZE - 100);
    expect(rest.headers["content-range"]).toBe(`bytes 100-${SIZE - 1}/${SIZE}`);
    expect(rest.body.equals(content.subarray(100))).toBe(true);

    const headRange = await request(fw.url(base), { method: "HEAD", headers: { Range: "bytes=0-99" } });
    expect(headRange.status).toBe(206);
    expectSized(headRange, 100);
    expect(headRange.body.length).toBe(0);
  });

  it("answers a stale If-Range with the whole file", async () => {
    const r = await request(fw.url(base), { headers: { Range: "bytes=100-", "If-Range": '"an-older-build"' } });
    expect(r.status).toBe(200);
    expectSized(r, SIZE);
    expect(r.headers["content-range"]).toBeUndefined();
    expect(r.body.equals(content)).toBe(true);
  });

  it("answers an unsatisfiable range with 416 and the file's size", async () => {
    const r = await request(fw.url(base), { headers: { Range: `bytes=${SIZE}-` } });
    expect(r.status).toBe(416);
    expect(r.headers["transfer-encoding"]).toBeUndefined();
    expect(r.headers["content-range"]).toBe(`bytes */${SIZE}`);
  });

  it("refuses a bad signature with 403 and the API's error body", async () => {
    const url = new URL(fw.url(base));
    url.searchParams.set("sig", "A".repeat(43));
    const r = await request(url.toString());
    expect(r.status).toBe(403);
    expect(r.headers["transfer-encoding"]).toBeUndefined();
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.headers["content-length"]).toBe(String(r.body.length));
    expect(JSON.parse(r.body.toString("utf8"))).toEqual({
      detail: "Download link is missing its signature, or it is wrong or expired",
      code: "forbidden",
    });
  });

  it("answers an unknown firmware with 404 and a bad id with 422, as the route does", async () => {
    const missing = await request(
      `${base}${signDownloadUrl(2_147_483_000, new Date(Date.now() + 60_000), requireAuthSecret())}`,
    );
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString("utf8"))).toEqual({ detail: "Firmware file not found", code: "not_found" });
    const badId = await request(`${base}/firmware/abc/download`);
    expect(badId.status).toBe(422);
    expect(JSON.parse(badId.body.toString("utf8")).code).toBe("validation_error");
  });

  it("leaves every other path to Next", async () => {
    const r = await request(`${base}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
  });
});
