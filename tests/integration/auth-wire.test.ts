/**
 * The API's doors, over the real socket against the production server (scripts/web-server.ts):
 * what a client relies on (status, headers, the connection, the server's memory) is
 * only true if it is true there. Needs the production build that `npm test` makes first
 * (in NEXT_DIST_DIR, default .next); without one, this file is skipped with a message.
 *
 * Every throttle key used here is this run's own (a TEST-NET address in X-Forwarded-For,
 * fresh emails), and the rows are deleted afterwards: the browser tests that follow under
 * `npm test` log in from 127.0.0.1 against the same database and must find no lock.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestTenant, testDb, type TestTenant } from "../support/db";
import { distDir, hasBuild, startWebServer, WEB_SERVER_HOOK_TIMEOUT_MS, type WebServer } from "../support/web-server";
import { sleep } from "../support/time";

if (!hasBuild)
  console.warn(`[auth-wire] skipped: no production build in ${distDir}/ (run \`npm test\`, or \`next build\` first)`);

const MB = 1024 * 1024;
const ATTACK_BYTES = 300 * MB;
/** How much the server's resident memory (peak included) may grow while refusing 300 MB. */
const MAX_GROWTH_BYTES = 100 * MB;

const handle = testDb();
let server: WebServer | undefined;
let base = "";
let t: TestTenant;
const runTag = randomBytes(4).toString("hex");
/** This run's client address: TEST-NET-1 (RFC 5737), never 127.0.0.1. */
const address = `192.0.2.${1 + (randomBytes(1)[0]! % 254)}`;
const keysUsed = new Set<string>([`ip:${address}`]);

beforeAll(async () => {
  if (!hasBuild) return;
  t = await createTestTenant(handle, "wire");
  server = await startWebServer();
  base = server.base;
}, WEB_SERVER_HOOK_TIMEOUT_MS);

afterAll(async () => {
  await server?.stop();
  if (keysUsed.size) await handle.sql`DELETE FROM login_failures WHERE key IN ${handle.sql([...keysUsed])}`;
  await handle.close();
});

/** Resident and peak resident memory of the server and every process under it, in bytes. */
function memory(pid: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  const visit = (p: number) => {
    const status = fs.readFileSync(`/proc/${p}/status`, "utf8");
    rss += Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
    peak += Number(status.match(/^VmHWM:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
    for (const task of fs.readdirSync(`/proc/${p}/task`)) {
      const children = fs.readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
      for (const c of children ? children.split(/\s+/) : []) visit(Number(c));
    }
  };
  visit(pid);
  return { rss, peak };
}

interface Refusal {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body: string;
  /** The connection ended (reset or closed) before any answer. */
  closed?: string;
  sentBytes: number;
  ms: number;
}

/**
 * POSTs a huge body in 64 KiB chunks (one buffer, written again and again: the test never
 * holds more than that), with or without a Content-Length that says so. Stops writing as
 * soon as the server answers or drops the connection. Bounded in time.
 */
function postHuge(
  pathname: string,
  opts: { declare: boolean; contentType: string; headers?: Record<string, string> },
): Promise<Refusal> {
  const chunk = Buffer.alloc(64 * 1024, "a");
  const head = Buffer.from("email=nobody%40wire.test&password=");
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = false;
    const req = http.request(`${base}${pathname}`, {
      method: "POST",
      headers: {
        "content-type": opts.contentType,
        "x-forwarded-for": address,
        ...(opts.declare ? { "content-length": String(ATTACK_BYTES) } : { "transfer-encoding": "chunked" }),
        ...opts.headers,
      },
    });
    const finish = (r: Omit<Refusal, "sentBytes" | "ms">) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...r, sentBytes: sent, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => {
      done = true;
      req.destroy();
      reject(new Error(`no answer after ${sent} bytes in 60 s`));
    }, 60_000);
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => finish({ status: res.statusCode, headers: res.headers, body }));
      res.on("error", () => finish({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on("error", (err) => finish({ closed: (err as NodeJS.ErrnoException).code ?? err.message, body: "" }));
    const pump = () => {
      while (!done && sent < ATTACK_BYTES) {
        const piece = sent === 0 ? head : chunk.subarray(0, Math.min(chunk.length, ATTACK_BYTES - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      if (!done && sent >= ATTACK_BYTES) req.end();
    };
    pump();
  });
}

describe.skipIf(!hasBuild)("the API's doors over the wire (the production web server)", () => {
  it("refuses a 300 MB login form early (413 or a closed connection), with the server's memory flat", async () => {
    // Warm up the route and the pages it uses, so that their first-load cost is not counted.
    for (let i = 0; i < 3; i++) {
      await fetch(`${base}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": address },
        body: "email=&password=",
        redirect: "manual",
      });
    }
    await sleep(500);
    const before = memory(server!.child.pid!);

    const results: Record<string, Refusal> = {};
    for (const [label, opts] of [
      ["login form, Content-Length: 300 MB", { declare: true, contentType: "application/x-www-form-urlencoded" }],
      ["login form, chunked (no length)", { declare: false, contentType: "application/x-www-form-urlencoded" }],
      ["login form as multipart, chunked", { declare: false, contentType: "multipart/form-data; boundary=x" }],
    ] as const) {
      results[label] = await postHuge("/auth/login", opts);
    }
    results["token JSON, chunked (no length)"] = await postHuge("/auth/token", {
      declare: false,
      contentType: "application/json",
    });
    await sleep(500);
    const after = memory(server!.child.pid!);
    console.log(
      `[auth-wire] 300 MB bodies: ${Object.entries(results)
        .map(([k, r]) => `${k}: ${r.status ?? r.closed} after ${(r.sentBytes / MB).toFixed(1)} MB sent, ${r.ms} ms`)
        .join(
          "; ",
        )}. Server RSS ${(before.rss / MB).toFixed(0)} → ${(after.rss / MB).toFixed(0)} MB, peak ${(before.peak / MB).toFixed(0)} → ${(after.peak / MB).toFixed(0)} MB`,
    );

    for (const [label, r] of Object.entries(results)) {
      expect({ label, refused: r.status === 413 || r.closed !== undefined }).toEqual({ label, refused: true });
      if (r.status === 413)
        expect({ label, body: JSON.parse(r.body) }).toEqual({
          label,
          body: { detail: "Request body is larger than 65536 bytes", code: "payload_too_large" },
        });
      // Refused early: long before the whole body was sent.
      expect({ label, sentMB: r.sentBytes / MB < 300 }).toEqual({ label, sentMB: true });
    }
    expect(after.rss - before.rss).toBeLessThan(MAX_GROWTH_BYTES);
    expect(after.peak - before.peak).toBeLessThan(MAX_GROWTH_BYTES);
    // The server is still there and answers.
    expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
  }, 120_000);

  it("answers 429 with Retry-After and the API's error body once an account is locked", async () => {
    const email = `wire-${runTag}@nowhere.test`;
    keysUsed.add(`email:${email}`);
    const attempt = () =>
      fetch(`${base}/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": address },
        body: JSON.stringify({ email, password: "wrong" }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    const res = await attempt();
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ detail: "Too many failed logins; try again later", code: "too_many_requests" });

    // The browser's form: back to the login page, which says why.
    const form = await fetch(`${base}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": address },
      body: new URLSearchParams({ email, password: "wrong" }),
      redirect: "manual",
    });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/login?error=throttled");
    expect(form.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    const page = await (await fetch(`${base}/login?error=throttled`)).text();
    expect(page).toContain("Too many failed sign-in attempts.");
  });

  it("refuses a deleted user's token at once, for the API (401) and for pages (to /login)", async () => {
    const login = await fetch(`${base}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": address },
      body: JSON.stringify({ email: t.users.operator.email, password: t.password }),
    });
    expect(login.status).toBe(200);
    const { access_token: token } = await login.json();
    const api = () => fetch(`${base}/customer/device-groups`, { headers: { Authorization: `Bearer ${token}` } });
    const page = () =>
      fetch(`${base}/app/ota/campaigns`, { headers: { cookie: `flotilla_session=${token}` }, redirect: "manual" });
    expect((await api()).status).toBe(200);
    expect((await page()).status).toBe(200);
    await handle.sql`DELETE FROM users WHERE id = ${t.users.operator.id}`;
    const refused = await api();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ detail: "Not authenticated", code: "unauthorized" });
    const redirected = await page();
    expect(redirected.status).toBeGreaterThanOrEqual(300);
    expect(redirected.status).toBeLessThan(400);
    expect(new URL(redirected.headers.get("location")!, base).pathname).toBe("/login");
  });
});
