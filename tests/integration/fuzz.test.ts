/**
 * Fuzz test of the HTTP API: malformed bodies, query strings, headers and ids go to
 * every route, and every answer must be a 4xx, never a 500, with the database and
 * the firmware directory unchanged afterwards.
 *
 * Every exported method handler of every app/**\/route.ts is called directly with a
 * real Request (the same code path as over HTTP: auth, parsing, the error mapper, RLS).
 * Inputs come from a seeded PRNG (mulberry32, chaos/rng.ts), so a failure reproduces:
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz.test.ts
 *
 * What counts as a pass, request by request:
 *   - never 5xx, never a handler that throws instead of answering, never a hang, and no
 *     error escaping as an uncaught exception or unhandled rejection while it runs;
 *   - POST and DELETE answer 4xx only. The inputs are built to be invalid, and the
 *     arranged data is guarded so that even a well-formed request could not change it:
 *     every device and the group are in an active campaign (DELETE → 409), every
 *     firmware is used by a campaign (DELETE → 409), the only campaign that start,
 *     pause and abort are sent to is COMPLETED (→ 400), and body templates name an
 *     existing device, group or firmware version (→ 409) or an unknown device (→ 404);
 *   - GET and HEAD may also answer 2xx (a fuzzed query or id can be valid: limit=0x10, id " 1");
 *   - /auth/login and /auth/logout are browser form targets and answer 303 by design (or
 *     413 for a login form over LOGIN_MAX_BODY_BYTES, declared or streamed), /health
 *     answers 200, and the /customer/[...rest] catch-all always 404;
 *   - /auth/* requests come from an address of this run's own (X-Forwarded-For), so that
 *     the failed logins sent here cannot lock the shared "unknown" address other test
 *     files' logins come from (lib/auth/throttle.ts); a throttled login answers 429;
 *   - fixed cases pin exact statuses: 401 for junk credentials, 413 past MAX_BODY_BYTES,
 *     404 for the other tenant's ids, 409/400/404 from the guards, per-case multipart ones;
 *   - every 4xx carries a JSON body with a string `code` and a `detail`, except a 416 from
 *     the firmware download, which carries only Content-Range (RFC 9110 §15.5.17).
 * After all requests: row counts and a hash of every row of the two arranged tenants in
 * every table, and the file list of the firmware directory, are what they were before,
 * and no "__proto__" body has polluted Object.prototype.
 *
 * Failing requests are listed at the end of the run ("[fuzz] FAIL …"), each with the exact
 * method, path, query, headers and body; a 500 is also flagged right after the error
 * mapper's own "[web] unhandled error" line.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as authLogin from "@/app/auth/login/route";
import * as authLogout from "@/app/auth/logout/route";
import * as authToken from "@/app/auth/token/route";
import * as groupMember from "@/app/customer/device-groups/[group_id]/members/[device_id]/route";
import * as groupMembers from "@/app/customer/device-groups/[group_id]/members/route";
import * as group from "@/app/customer/device-groups/[group_id]/route";
import * as groups from "@/app/customer/device-groups/route";
import * as deviceOta from "@/app/customer/devices/[device_id]/ota/route";
import * as device from "@/app/customer/devices/[device_id]/route";
import * as devicesRoute from "@/app/customer/devices/route";
import * as firmwareDownloadUrl from "@/app/customer/firmware/[id]/download-url/route";
import * as firmwareOne from "@/app/customer/firmware/[id]/route";
import * as firmwareList from "@/app/customer/firmware/route";
import * as campaignAbort from "@/app/customer/ota/campaigns/[id]/abort/route";
import * as campaignDevices from "@/app/customer/ota/campaigns/[id]/devices/route";
import * as campaignPause from "@/app/customer/ota/campaigns/[id]/pause/route";
import * as campaignOne from "@/app/customer/ota/campaigns/[id]/route";
import * as campaignStart from "@/app/customer/ota/campaigns/[id]/start/route";
import * as campaignsRoute from "@/app/customer/ota/campaigns/route";
import * as campaignPreview from "@/app/customer/ota/campaigns/preview/route";
import * as catchAll from "@/app/customer/[...rest]/route";
import * as download from "@/app/firmware/[id]/download/route";
import * as health from "@/app/health/route";
import * as openapi from "@/app/openapi.json/route";
import { Credentials, LOGIN_MAX_BODY_BYTES } from "@/lib/auth/login";
import { SESSION_COOKIE } from "@/lib/auth/token";
import { config, firmwareDir, requireAuthSecret } from "@/lib/config";
import {
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
} from "@/lib/db/schema";
import {
  CampaignCreate,
  CampaignPreviewBody,
  DeviceCreate,
  FirmwareCreate,
  GroupCreate,
  MembersAdd,
  SerialId,
} from "@/lib/ota/schemas";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { storeBuffer } from "@/lib/ota/storage";
import { authAs, type Handler } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";
import { seededRng } from "../../chaos/rng";

// A firmware directory of this file's own, so that uploads by test files running in
// parallel cannot show up in the before/after comparison. Set before anything reads
// the configuration (config() parses on first use), restored in afterAll.
const sharedFirmwareDir = process.env.FIRMWARE_DIR;
const ownFirmwareDir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-fuzz-fw-"));
process.env.FIRMWARE_DIR = ownFirmwareDir;

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f107) >>> 0;
/** Random requests per route handler (on top of the fixed cases). */
const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 36);
/** The client address of this run's login attempts (from TEST-NET-2, RFC 5737). */
const FUZZ_ADDRESS = `198.51.100.${1 + (process.pid % 254)}`;
/** A request without an answer by then counts as hung (every answer here takes milliseconds). */
const REQUEST_TIMEOUT_MS = 5_000;

// ── The route table ──────────────────────────────────────────────────────────────

type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
const METHODS: Method[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** URL path (as in app/) → the route module. */
const MODULES: Record<string, Record<string, unknown>> = {
  "/auth/token": authToken,
  "/auth/login": authLogin,
  "/auth/logout": authLogout,
  "/health": health,
  "/openapi.json": openapi,
  "/firmware/[id]/download": download,
  "/customer/firmware": firmwareList,
  "/customer/firmware/[id]": firmwareOne,
  "/customer/firmware/[id]/download-url": firmwareDownloadUrl,
  "/customer/ota/campaigns": campaignsRoute,
  "/customer/ota/campaigns/[id]": campaignOne,
  "/customer/ota/campaigns/[id]/start": campaignStart,
  "/customer/ota/campaigns/[id]/pause": campaignPause,
  "/customer/ota/campaigns/[id]/abort": campaignAbort,
  "/customer/ota/campaigns/[id]/devices": campaignDevices,
  "/customer/ota/campaigns/preview": campaignPreview,
  "/customer/devices": devicesRoute,
  "/customer/devices/[device_id]": device,
  "/customer/devices/[device_id]/ota": deviceOta,
  "/customer/device-groups": groups,
  "/customer/device-groups/[group_id]": group,
  "/customer/device-groups/[group_id]/members": groupMembers,
  "/customer/device-groups/[group_id]/members/[device_id]": groupMember,
  "/customer/[...rest]": catchAll,
};

interface Route {
  /** "POST /customer/devices" */
  name: string;
  path: string;
  method: Method;
  handler: Handler;
  paramNames: string[];
}

const ROUTES: Route[] = Object.entries(MODULES).flatMap(([p, mod]) =>
  METHODS.filter((m) => typeof mod[m] === "function").map((method) => ({
    name: `${method} ${p}`,
    path: p,
    method,
    handler: mod[method] as Handler,
    paramNames: [...p.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((m) => m[1]!),
  })),
);
const route = (name: string) => {
  const r = ROUTES.find((x) => x.name === name);
  if (!r) throw new Error(`no route ${name}`);
  return r;
};

/** Every app/**\/route.ts as its URL path, so that a new route cannot escape the fuzz. */
function routeFilesOnDisk(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === "route.ts")
        out.push("/" + path.relative("app", path.dirname(full)).split(path.sep).join("/"));
    }
  };
  walk("app");
  return out.sort();
}

// ── Seeded randomness ───────────────────────────────────────────────────────────

function fnv1a(s: string) {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 0x01000193) >>> 0;
  return h;
}

class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRng(seed);
  }
  int(min: number, max: number) {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number) {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** A random string: ASCII, punctuation, and now and then unicode, NUL, a lone surrogate. */
  string(maxLen: number, latin1 = false) {
    const len = this.int(0, maxLen);
    let s = "";
    for (let i = 0; i < len; i++) {
      const r = this.next();
      if (r < 0.6) s += String.fromCharCode(this.int(0x21, 0x7e));
      else if (r < 0.7) s += " ";
      else if (latin1) s += String.fromCharCode(this.int(0xa0, 0xff));
      else s += this.pick(["é", "ß", "💥", "\u202e", "\u0000", "\ud800", "\uffff", "日本", "\u200b", "Ω", "\n", "\t"]);
    }
    return s;
  }
  bytes(maxLen: number) {
    const out = new Uint8Array(this.int(0, maxLen));
    for (let i = 0; i < out.length; i++) out[i] = this.int(0, 255);
    return out;
  }
}

// ── Arranged data ───────────────────────────────────────────────────────────────

const handle = testDb();
let a: TestTenant;
let b: TestTenant;
const ids = {
  fwStored: 0, // A: stored binary, checksum, used by the active campaign
  fwUrl: 0, // A: registered by URL, checksum, used by the completed campaign
  guardCampaign: 0, // A: CREATED (active): never sent to start/pause/abort
  doneCampaign: 0, // A: COMPLETED: every transition is refused
  fwB: 0, // B: used by B's completed campaign
  campaignB: 0, // B: COMPLETED
};
const A_DEVICES = ["fz-dev-1", "fz-dev-2"];
const A_GROUP = "fz-group";
const B_DEVICE = "fzb-dev-1";
const B_GROUP = "fzb-group";
const fileContent = Buffer.from("flotilla fuzz firmware image\n".repeat(100));

type Actor = "admin" | "cookie" | "viewer" | "other" | "none" | "junk";
const actorHeaders = {} as Record<Exclude<Actor, "junk" | "none">, Record<string, string>>;
/** Authorization / Cookie headers that must all answer 401. */
let junkAuth: { label: string; headers: Record<string, string> }[] = [];
/** A genuine token (right key, unexpired) of an admin whose tenant has since been deleted. */
let staleAuth: Record<string, string>;

async function arrange() {
  a = await createTestTenant(handle, "fuzz-a");
  b = await createTestTenant(handle, "fuzz-b");
  const stored = await storeBuffer(firmwareDir(), fileContent);
  const [fw1, fw2] = await handle.db
    .insert(firmwareVersions)
    .values([
      {
        tenantId: a.tenantId,
        version: "1.0.0",
        deviceType: "sensor",
        fileUrl: "pending",
        fileSizeBytes: stored.sizeBytes,
        checksumSha256: stored.sha256,
        storageKey: stored.key,
      },
      {
        tenantId: a.tenantId,
        version: "0.9.0",
        deviceType: "sensor",
        fileUrl: "https://example.test/fw-0.9.0.bin",
        checksumSha256: "ab".repeat(32),
      },
    ])
    .returning();
  ids.fwStored = fw1!.id;
  ids.fwUrl = fw2!.id;
  await handle.sql`UPDATE firmware_versions SET file_url = ${`/firmware/${ids.fwStored}/download`} WHERE id = ${ids.fwStored}`;
  await handle.db
    .insert(devices)
    .values(
      A_DEVICES.map((deviceId) => ({ tenantId: a.tenantId, deviceId, deviceType: "sensor", fwVersion: "0.9.0" })),
    );
  await handle.db.insert(deviceGroups).values({ tenantId: a.tenantId, groupId: A_GROUP, name: "Fuzz group" });
  await handle.db
    .insert(deviceGroupMembers)
    .values(A_DEVICES.map((deviceId) => ({ tenantId: a.tenantId, groupId: A_GROUP, deviceId })));
  const [guard, done] = await handle.db
    .insert(otaCampaigns)
    .values([
      {
        tenantId: a.tenantId,
        name: "guard",
        firmwareVersionId: ids.fwStored,
        targetGroupId: A_GROUP,
        status: "CREATED",
        totalDevices: 2,
      },
      {
        tenantId: a.tenantId,
        name: "done",
        firmwareVersionId: ids.fwUrl,
        targetGroupId: A_GROUP,
        status: "COMPLETED",
        totalDevices: 2,
        succeeded: 2,
        startedAt: new Date(Date.now() - 3_600_000),
        completedAt: new Date(),
      },
    ])
    .returning();
  ids.guardCampaign = guard!.id;
  ids.doneCampaign = done!.id;
  await handle.db
    .insert(otaDeviceStatus)
    .values([
      ...A_DEVICES.map((deviceId) => ({
        tenantId: a.tenantId,
        campaignId: ids.guardCampaign,
        deviceId,
        status: "PENDING" as const,
      })),
      ...A_DEVICES.map((deviceId) => ({
        tenantId: a.tenantId,
        campaignId: ids.doneCampaign,
        deviceId,
        status: "SUCCESS" as const,
        progressPct: 100,
      })),
    ]);

  const [fwB] = await handle.db
    .insert(firmwareVersions)
    .values({
      tenantId: b.tenantId,
      version: "1.0.0",
      deviceType: "sensor",
      fileUrl: "https://example.test/b.bin",
      checksumSha256: "cd".repeat(32),
    })
    .returning();
  ids.fwB = fwB!.id;
  await handle.db
    .insert(devices)
    .values({ tenantId: b.tenantId, deviceId: B_DEVICE, deviceType: "sensor", fwVersion: "0.9.0" });
  await handle.db.insert(deviceGroups).values({ tenantId: b.tenantId, groupId: B_GROUP, name: "B group" });
  await handle.db.insert(deviceGroupMembers).values({ tenantId: b.tenantId, groupId: B_GROUP, deviceId: B_DEVICE });
  const [cB] = await handle.db
    .insert(otaCampaigns)
    .values({
      tenantId: b.tenantId,
      name: "b",
      firmwareVersionId: ids.fwB,
      targetGroupId: B_GROUP,
      status: "COMPLETED",
      totalDevices: 1,
    })
    .returning();
  ids.campaignB = cB!.id;
  await handle.db
    .insert(otaDeviceStatus)
    .values({
      tenantId: b.tenantId,
      campaignId: ids.campaignB,
      deviceId: B_DEVICE,
      status: "SUCCESS",
      progressPct: 100,
    });

  const admin = await authAs(a, "admin");
  const adminToken = admin.Authorization.slice("Bearer ".length);
  actorHeaders.admin = admin;
  actorHeaders.viewer = await authAs(a, "viewer");
  actorHeaders.other = await authAs(b, "admin");
  const gone = await createTestTenant(handle, "fuzz-gone");
  staleAuth = await authAs(gone, "admin");
  await handle.sql`DELETE FROM tenants WHERE tenant_id = ${gone.tenantId}`; // its users go with it (ON DELETE CASCADE)
  actorHeaders.cookie = { Cookie: `${SESSION_COOKIE}=${adminToken}` };

  const secret = requireAuthSecret();
  const claims = { tid: a.tenantId, role: "admin", email: a.users.admin.email };
  const jwt = (c: Record<string, unknown>, key: string, f: (j: SignJWT) => SignJWT = (j) => j) =>
    f(
      new SignJWT(c)
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(String(a.users.admin.id))
        .setIssuer("flotilla")
        .setIssuedAt()
        .setExpirationTime("1h"),
    ).sign(new TextEncoder().encode(key));
  const [head, payload, sig] = adminToken.split(".") as [string, string, string];
  const forgedPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), tid: b.tenantId }),
  ).toString("base64url");
  const wrongKey = await jwt(claims, "a-wrong-secret-that-is-long-enough-0123456789");
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  junkAuth = [
    { label: "Bearer (no token)", headers: { Authorization: "Bearer" } },
    { label: "Bearer + space", headers: { Authorization: "Bearer " } },
    { label: "Bearer two words", headers: { Authorization: "Bearer abc def" } },
    { label: "Basic", headers: { Authorization: "Basic dXNlcjpwYXNz" } },
    { label: "Token scheme", headers: { Authorization: `Token ${adminToken}` } },
    { label: "three dots", headers: bearer("a.b.c") },
    { label: "10k junk", headers: bearer("A".repeat(10_000)) },
    { label: "latin1 junk", headers: bearer("\u00e9\u00ff\u00a0x") },
    { label: "alg none", headers: bearer(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${payload}.`) },
    { label: "wrong key", headers: bearer(wrongKey) },
    { label: "payload swapped to tenant B (old signature)", headers: bearer(`${head}.${forgedPayload}.${sig}`) },
    { label: "signature cut", headers: bearer(`${head}.${payload}.${sig.slice(0, -3)}`) },
    {
      label: "expired (right key)",
      headers: bearer(await jwt(claims, secret, (j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 60))),
    },
    { label: "role root (right key)", headers: bearer(await jwt({ ...claims, role: "root" }, secret)) },
    { label: "no tid (right key)", headers: bearer(await jwt({ role: "admin", email: "x@y.z" }, secret)) },
    { label: "sub not a number (right key)", headers: bearer(await jwt(claims, secret, (j) => j.setSubject("abc"))) },
    { label: "wrong issuer (right key)", headers: bearer(await jwt(claims, secret, (j) => j.setIssuer("evil"))) },
    { label: "token plus trailing word", headers: { Authorization: `Bearer ${adminToken} x` } },
    { label: "cookie junk", headers: { Cookie: `${SESSION_COOKIE}=garbage` } },
    { label: "cookie empty", headers: { Cookie: `${SESSION_COOKIE}=` } },
    { label: "cookie wrong key", headers: { Cookie: `${SESSION_COOKIE}=${wrongKey}` } },
    { label: "cookie separators only", headers: { Cookie: ";;;=;=" } },
    { label: "cookie lone percent", headers: { Cookie: `${SESSION_COOKIE}=%` } },
    { label: "cookie bad percent-encoding", headers: { Cookie: `${SESSION_COOKIE}=%E0%A4%A` } },
    { label: "cookie junk then percent", headers: { Cookie: `${SESSION_COOKIE}=a; ${SESSION_COOKIE}=%` } },
  ];
}

// ── Snapshots ───────────────────────────────────────────────────────────────────

const TABLES = [
  "tenants",
  "users",
  "devices",
  "device_groups",
  "device_group_members",
  "firmware_versions",
  "ota_campaigns",
  "ota_device_status",
] as const;

/** Per table: the arranged tenants' row count and an md5 over their rows in a stable order. */
async function dbSnapshot() {
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const t of TABLES) {
    const [r] = await handle.sql<{ rows: number; md5: string | null }[]>`
      SELECT count(*)::int AS rows, md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) AS md5
      FROM ${handle.sql(t)} x WHERE x.tenant_id IN ${handle.sql([a.tenantId, b.tenantId])}`;
    out[t] = { rows: r!.rows, md5: r!.md5 ?? "" };
  }
  return out;
}

/** Every file under the firmware directory (tmp/ included), with its size. */
function dirSnapshot(dir = firmwareDir()): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return `${path.relative(dir, full)} ${fs.statSync(full).size}`;
    })
    .sort();
}

// ── Cases and sending ───────────────────────────────────────────────────────────

type Body = string | Uint8Array | FormData | { stream: Uint8Array[]; failAfter?: boolean };
interface Case {
  route: Route;
  actor: Actor;
  params: Record<string, string | string[] | undefined>;
  /** Raw query string, without "?" (percent-escapes are kept as written). */
  query: string;
  headers: Record<string, string>;
  body?: Body;
  /** What the body is (shown before it), or for a huge body instead of it. */
  bodyNote?: string;
  /** Exact statuses allowed (else the general rule). */
  expect?: number[];
  /** What the case is about, shown first in its description. */
  note?: string;
}

/** encodeURIComponent that survives lone surrogates (they become U+FFFD, as a browser sends them). */
const enc = (s: string) =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
/** How much of a string a description shows: short in assertion messages, whole in the final report. */
let showLimit = 160;
const short = (s: string, n = showLimit) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
const show = (s: string) => short(JSON.stringify(s).slice(1, -1));

function bodyLabel(body: Body | undefined): string {
  if (body === undefined) return "none";
  if (typeof body === "string") return `"${show(body)}"`;
  if (body instanceof Uint8Array) return `bytes[${body.length}] hex ${short(Buffer.from(body).toString("hex"))}`;
  if (body instanceof FormData) return "FormData";
  return `stream of ${body.stream.reduce((n, c) => n + c.length, 0)} bytes${body.failAfter ? " that then errors" : ""}`;
}

function urlPath(c: Case) {
  return c.route.path.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, k: string) => {
    const v = c.params[k];
    return v === undefined ? "<missing>" : Array.isArray(v) ? `[${v.map(show).join(",")}]` : show(v) || "<empty>";
  });
}

function describeCase(c: Case, limit = 160) {
  const before = showLimit;
  showLimit = limit;
  try {
    return describe1(c);
  } finally {
    showLimit = before;
  }
}
function describe1(c: Case) {
  const headers = Object.entries(c.headers).map(([k, v]) => `${k}: ${show(v)}`);
  return [
    c.note ? `[${c.note}]` : "",
    `${c.route.method} ${urlPath(c)}${c.query ? `?${show(c.query)}` : ""}`,
    `actor=${c.actor}`,
    headers.length ? `headers={${headers.join("; ")}}` : "",
    c.body === undefined
      ? ""
      : c.bodyNote && c.bodyNote.startsWith("=")
        ? `body${c.bodyNote}`
        : `body=${c.bodyNote ? `<${c.bodyNote}> ` : ""}${bodyLabel(c.body)}`,
  ]
    .filter(Boolean)
    .join(" ");
}

function authHeaders(actor: Actor): Record<string, string> {
  return actor === "none" || actor === "junk" ? {} : actorHeaders[actor];
}

interface Outcome {
  status: number | "threw" | "timeout";
  json: unknown;
  text: string;
  error?: unknown;
}

async function send(c: Case): Promise<Outcome> {
  const headers = new Headers({ ...authHeaders(c.actor), ...c.headers });
  if (c.route.path.startsWith("/auth/") && !headers.has("x-forwarded-for"))
    headers.set("x-forwarded-for", FUZZ_ADDRESS);
  const init: RequestInit & { duplex?: "half" } = { method: c.route.method, headers };
  if (c.body !== undefined) {
    if (typeof c.body === "string" || c.body instanceof Uint8Array || c.body instanceof FormData)
      init.body = c.body as BodyInit;
    else {
      const { stream, failAfter } = c.body;
      let i = 0;
      init.body = new ReadableStream<Uint8Array>({
        pull(ctrl) {
          if (i < stream.length) ctrl.enqueue(stream[i++]!);
          else if (failAfter) ctrl.error(new Error("client went away"));
          else ctrl.close();
        },
      });
      init.duplex = "half";
    }
  }
  const pathname = c.route.path.replace(/\[(?:\.\.\.)?(\w+)\]/g, (_, k: string) => {
    const v = c.params[k];
    return typeof v === "string" ? enc(v) : (v ?? []).map(enc).join("/");
  });
  const url = `http://flotilla.test${pathname}${c.query ? `?${c.query}` : ""}`;
  const req = new Request(url, init);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), REQUEST_TIMEOUT_MS);
  });
  try {
    const run = (async () => {
      const res = await c.route.handler(req, { params: Promise.resolve(c.params as Record<string, string>) });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, headers: res.headers };
    })();
    const r = await Promise.race([run, timeout]);
    if (r === "timeout") return { status: "timeout", json: undefined, text: "" };
    return { status: r.status, json: r.json, text: r.text };
  } catch (error) {
    return { status: "threw", json: undefined, text: "", error };
  } finally {
    clearTimeout(timer);
  }
}

/** A login form body over the login cap, by its declared Content-Length or its bytes. */
function tooLargeForLogin(c: Case): boolean {
  if (Number(c.headers["content-length"] ?? "0") > LOGIN_MAX_BODY_BYTES) return true;
  const b = c.body;
  if (typeof b === "string") return Buffer.byteLength(b) > LOGIN_MAX_BODY_BYTES;
  if (b instanceof Uint8Array) return b.byteLength > LOGIN_MAX_BODY_BYTES;
  if (b && !(b instanceof FormData)) return b.stream.reduce((n, x) => n + x.byteLength, 0) > LOGIN_MAX_BODY_BYTES;
  return false;
}

/** "ok", or why the answer breaks the rules in the header comment. */
function verdict(c: Case, o: Outcome): string {
  if (o.status === "threw") return `handler threw: ${String(o.error)}`;
  if (o.status === "timeout") return `no answer within ${REQUEST_TIMEOUT_MS} ms`;
  const s = o.status;
  if (s >= 500) return `server error ${s}`;
  if (c.expect && !c.expect.includes(s)) return `expected ${c.expect.join(" or ")}`;
  if (!c.expect) {
    if (c.route.path === "/auth/login") {
      if (s !== 303 && !(s === 413 && tooLargeForLogin(c))) return "expected the form redirect 303";
    } else if (c.route.path === "/auth/logout") {
      if (s !== 303) return "expected the form redirect 303";
    } else if (c.route.path === "/health") {
      if (s !== 200) return "expected 200";
    } else if (
      c.route.method === "GET" ||
      c.route.method === "HEAD" ||
      c.route.path === "/customer/ota/campaigns/preview"
    ) {
      // Reads, and the one POST that only reads (a dry run): 2xx or 4xx, and the database unchanged.
      if (!(s >= 200 && s < 300) && !(s >= 400 && s < 500)) return "expected 2xx or 4xx";
    } else if (!(s >= 400 && s < 500)) return "a mutating request must be refused with 4xx";
  }
  if (s >= 400 && !(s === 416 && c.route.path === "/firmware/[id]/download")) {
    const j = o.json as { code?: unknown; detail?: unknown } | undefined;
    if (!j || typeof j !== "object" || typeof j.code !== "string" || !("detail" in j)) {
      return `error body is not JSON {code, detail}: ${short(o.text, 200)}`;
    }
  }
  return "ok";
}

/** Errors that escaped every handler (an 'error' event nobody listens to, a lost rejection). */
const escaped: unknown[] = [];
const onEscaped = (err: unknown) => void escaped.push(err);
let escapedPinned = 0;

const stats = { requests: 0, byStatus: new Map<string, number>(), byRoute: new Map<string, number>() };
const failures: { case: string; full: string; status: Outcome["status"]; verdict: string; body: string }[] = [];

async function runCases(cases: Case[]) {
  for (const c of cases) {
    const escapedBefore = escaped.length;
    const o = await send(c);
    // Let the body streams of this request settle, so that an error they throw is pinned on it.
    await new Promise((resolve) => setImmediate(resolve));
    if (c.body !== undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    stats.requests++;
    stats.byStatus.set(String(o.status), (stats.byStatus.get(String(o.status)) ?? 0) + 1);
    stats.byRoute.set(c.route.name, (stats.byRoute.get(c.route.name) ?? 0) + 1);
    const late = escaped.slice(escapedBefore);
    escapedPinned += late.length;
    const v = late.length
      ? `uncaught error besides the ${o.status} answer: ${late.map(String).join("; ")}`
      : verdict(c, o);
    const desc = describeCase(c);
    if (v !== "ok") {
      failures.push({
        case: desc,
        full: describeCase(c, 4000),
        status: o.status,
        verdict: v,
        body: short(o.text, 300),
      });
      if (late.length || o.status === "threw" || (typeof o.status === "number" && o.status >= 500))
        console.error(`[fuzz] ${o.status} for: ${desc}`);
    }
    expect.soft({ case: desc, status: o.status, verdict: v }).toEqual({ case: desc, status: o.status, verdict: "ok" });
  }
}

// ── Malformed inputs ────────────────────────────────────────────────────────────

const MAX_BODY = () => config().MAX_BODY_BYTES;

const JUNK_IDS = [
  "0",
  "-1",
  "1.5",
  "abc",
  "99999999999999999999",
  "2147483648",
  "2147483647",
  "-2147483649",
  "1e3",
  "1e309",
  "0x10",
  "+1",
  "01",
  "NaN",
  "Infinity",
  "-0",
  "",
  " ",
  "%2e%2e",
  "..",
  "../../etc/passwd",
  "a/b",
  "a\\b",
  "x".repeat(65),
  "9".repeat(400),
  "é",
  "💥",
  "\u202e",
  "\u0000",
  "a\u0000b",
  "%00",
  "1;DROP TABLE devices",
  "1; DROP TABLE ota_campaigns;--",
  "' OR '1'='1",
  "null",
  "undefined",
  "true",
  "[object Object]",
  "__proto__",
  "constructor",
  "fz-dev-1 ",
  "FZ-DEV-1",
  "fz-group\n",
  "*",
  "%",
  "?",
  "#",
];
const JUNK_ID_ARRAYS: (string[] | undefined)[] = [undefined, [], ["1", "2"], ["fz-dev-1"]];

const QUERY_KEYS = [
  "limit",
  "offset",
  "status",
  "device_type",
  "fw_version",
  "group_id",
  "exp",
  "sig",
  "__proto__",
  "constructor",
  "limit[]",
  "",
  "a[b]",
];
const QUERY_VALUES = [
  "-1",
  "0",
  "1",
  "50",
  "200",
  "201",
  "1e309",
  "1e3",
  "abc",
  "",
  "%20%20",
  "1.5",
  "-0",
  "0x10",
  "NaN",
  "Infinity",
  "9".repeat(30),
  "1000000001",
  "%00",
  "a%00b",
  "%",
  "%zz",
  "%C0%AF",
  "%E2%80%AE",
  "%F0%9F%92%A5",
  "bogus",
  "running",
  "RUNNING",
  "pending",
  "%C3%9F",
  "%EF%BD%92%EF%BD%95%EF%BD%8E",
  "x".repeat(300),
  "'%20OR%201=1%20--",
  "1;DROP%20TABLE%20devices",
  "__proto__",
  "[]",
  "{}",
  "fz-dev-1",
  "fz-group",
  "null",
  "true",
];
const FIXED_QUERIES = [
  "limit=-1",
  "limit=0",
  "limit=201",
  "limit=1e309",
  "limit=abc",
  "limit=",
  "offset=-1",
  "offset=99999999999999",
  "offset=1e309",
  "status=bogus",
  "status=",
  "status=%00",
  "limit=1&limit=abc&limit=5",
  "limit=%00",
  "offset=%00",
  "device_type=%00",
  "fw_version=%00",
  "group_id=%00",
  "device_type=",
  "group_id=a%20b",
  "%",
  "&&&",
  "=",
  "==&=",
  "exp=%00&sig=%00",
  "__proto__[limit]=1",
  "limit[]=1",
  `device_type=${"x".repeat(51)}`,
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "multipart/form-data; boundary=zzz",
  'MULTIPART/FORM-DATA; boundary="q"',
  "application/xml",
  "*/*",
  "",
  "garbage;;;=",
  "application/octet-stream",
];
const CONTENT_LENGTHS = [
  "0",
  "-1",
  "abc",
  "1e999",
  "99999999999999999999",
  "1048577",
  "18446744073709551616",
  "NaN",
  "0x10",
  "1.5",
  "-0",
  "3",
];

const JUNK_BODIES: [string, Body][] = [
  ["empty", ""],
  ["not json", "not json"],
  ["truncated object", '{"name": "x", "firmware_version_id": 1'],
  ["truncated key", '{"na'],
  ["lone brace", "{"],
  ["null", "null"],
  ["number", "42"],
  ["huge number", "1e999"],
  ["string", '"str"'],
  ["true", "true"],
  ["array", "[]"],
  ["array of object", "[{}]"],
  ["empty object", "{}"],
  ["NaN", "NaN"],
  ["single quotes", "{'a': 1}"],
  ["trailing comma", '{"a":1,}'],
  ["comment", "{/*x*/}"],
  ["BOM", "\ufeff{}"],
  ["NUL byte", "\u0000"],
  ["deep array", "[".repeat(50_000) + "]".repeat(50_000)],
  ["deep object", '{"a":'.repeat(20_000) + "1" + "}".repeat(20_000)],
  ["__proto__", '{"__proto__":{"role":"admin","tenantId":"x"}}'],
  ["constructor.prototype", '{"constructor":{"prototype":{"polluted":true}}}'],
  ["duplicate keys", '{"a":1,"a":2}'],
  ["invalid utf-8", Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0xc0, 0xaf, 0x7d])],
  ["utf-16le", new Uint8Array(Buffer.from('{"a":1}', "utf16le"))],
  ["form", "email=a&password=b"],
  ["xml", "<?xml version='1.0'?><a/>"],
  ["whitespace", "   \n\t "],
];

type BodySpec = {
  schema: { safeParse: (v: unknown) => { success: boolean } };
  /** A well-formed body that is still refused (it names an existing or unknown thing). */
  template: Record<string, unknown>;
  /** Per field, values the schema must refuse. */
  invalid: Record<string, unknown[]>;
  /** Non-key free-text fields: unicode and NUL go here, on top of the template. */
  freeText: string[];
};

const NOT_STRING = [123, -1, 0, 1.5, true, false, [], ["x"], {}, { $ne: null }];
const BAD_IDENT = [
  ...NOT_STRING,
  null,
  "",
  " ",
  "a b",
  "../x",
  "a/b",
  "x".repeat(65),
  "é",
  "💥",
  "a\u0000b",
  "1;DROP TABLE devices",
  "' OR '1'='1",
  "%2e%2e",
  "\n",
];
const requiredText = (max: number) => [...NOT_STRING, null, "", "   ", "\t\n", "x".repeat(max + 1)];
const optionalText = (max: number) => [...NOT_STRING, "", "   ", "x".repeat(max + 1)];
/** A free-text value for a field; file_url keeps the shape of a URL around it. */
const freeValue = (field: string, v: string) => (field === "file_url" ? `https://example.test/${v}` : v);
const FREE_TEXT = [
  "a\u0000b",
  "\u0000",
  "💥\u202e\ud800",
  "\uffff\ufffe",
  "é".repeat(40),
  "'; DROP TABLE devices; --",
  "%00",
  "\\x00",
];

function bodySpecs(): Record<string, BodySpec> {
  const serial = ["1", 1.5, 0, -1, -0, 2147483648, 1e308, null, true, "", [], {}, "NaN", "Infinity"];
  return {
    "POST /auth/token": {
      schema: Credentials,
      template: { email: "nobody@fuzz.invalid", password: "wrong-password" },
      invalid: {
        email: ["", "not-an-email", "a@", "@b.co", 123, null, `${"x".repeat(250)}@b.co`, "a\u0000@b.co", [], {}],
        password: ["", 123, null, "x".repeat(1025), [], {}, true],
      },
      freeText: ["password"],
    },
    "POST /customer/firmware": {
      schema: FirmwareCreate,
      // version + device type of existing firmware: refused as a duplicate (409).
      template: {
        version: "1.0.0",
        device_type: "sensor",
        file_url: "https://example.test/fw.bin",
        checksum_sha256: "ab".repeat(32),
        file_size_bytes: 10,
        description: "d",
      },
      invalid: {
        version: requiredText(50),
        device_type: optionalText(50),
        file_url: ["", "not a url", "http://", "://x", 123, null, [], "x".repeat(2049)],
        checksum_sha256: ["", "abc", "g".repeat(64), "a".repeat(63), "a".repeat(65), 123, true, []],
        file_size_bytes: [-1, 1.5, "100", 2 ** 53, true, [], {}, "NaN"],
        description: [...NOT_STRING, "x".repeat(10_001)],
      },
      freeText: ["description", "file_url"],
    },
    "POST /customer/ota/campaigns": {
      schema: CampaignCreate,
      // Both devices are already in the active guard campaign: "No eligible devices" (400), rolled back.
      template: {
        name: "fuzz",
        firmware_version_id: ids.fwStored,
        target_group_id: A_GROUP,
        rollout_strategy: "linear",
        rollout_rate: 10,
        abort_threshold: 0.1,
      },
      invalid: {
        name: requiredText(100),
        firmware_version_id: serial,
        target_group_id: BAD_IDENT,
        rollout_strategy: ["LINEAR", "", "random", 1, null, ["linear"], "canary "],
        rollout_rate: [0, 1001, 1.5, "10", null, true, -5, []],
        abort_threshold: [-0.01, 1.01, "0.1", null, true, [], 2, "NaN"],
        canary_percent: [0, 51, 2.5, "5", null, true, []],
        abort_min_devices: [0, -1, 1.5, "10", true, []],
        device_timeout_seconds: [0, 604_801, 1.5, "60", true, []],
        max_in_flight: [0, -1, 1.5, "4", true, []],
      },
      freeText: ["name"],
    },
    "POST /customer/ota/campaigns/preview": {
      schema: CampaignPreviewBody,
      // A dry run: answers 200 with the guard campaign's devices as busy, and writes nothing.
      template: {
        name: "fuzz",
        firmware_version_id: ids.fwStored,
        target_group_id: A_GROUP,
        rollout_strategy: "linear",
        rollout_rate: 10,
        abort_threshold: 0.1,
      },
      invalid: {
        firmware_version_id: serial,
        target_group_id: BAD_IDENT,
        rollout_strategy: ["LINEAR", "", "random", 1, null, ["linear"], "canary "],
        rollout_rate: [0, 1001, 1.5, "10", null, true, -5, []],
        abort_threshold: [-0.01, 1.01, "0.1", null, true, [], 2, "NaN"],
        canary_percent: [0, 51, 2.5, "5", null, true, []],
        abort_min_devices: [0, -1, 1.5, "10", true, []],
        device_timeout_seconds: [0, 604_801, 1.5, "60", true, []],
        max_in_flight: [0, -1, 1.5, "4", true, []],
      },
      freeText: ["name"],
    },
    "POST /customer/devices": {
      schema: DeviceCreate,
      template: { device_id: A_DEVICES[0], device_type: "sensor", fw_version: "1.0.0" }, // exists: 409
      invalid: { device_id: BAD_IDENT, device_type: optionalText(50), fw_version: optionalText(50) },
      freeText: ["device_type", "fw_version"],
    },
    "POST /customer/device-groups": {
      schema: GroupCreate,
      template: { group_id: A_GROUP, name: "Fuzz", description: "d" }, // exists: 409
      invalid: { group_id: BAD_IDENT, name: requiredText(100), description: [...NOT_STRING, "x".repeat(10_001)] },
      freeText: ["name", "description"],
    },
    "POST /customer/device-groups/[group_id]/members": {
      schema: MembersAdd,
      template: { device_ids: ["fz-missing-1"] }, // unknown device: 404
      invalid: {
        device_ids: [
          [],
          "fz-dev-1",
          null,
          [123],
          ["a b"],
          [""],
          [null],
          {},
          5,
          Array(10_001).fill("x"),
          [["nested"]],
          ["x".repeat(65)],
          ["a\u0000b"],
        ],
      },
      freeText: [],
    },
  };
}

/** A random JSON value; objects draw their keys from the route's fields and a few nasty ones. */
function randomJson(rng: Rng, keys: string[], depth = 0): unknown {
  const r = rng.next();
  if (depth > 3 || r < 0.35) {
    return rng.pick<unknown>([
      null,
      true,
      false,
      0,
      -1,
      1.5,
      2 ** 31,
      2 ** 53 + 1,
      1e308,
      -1e-308,
      "",
      rng.string(20),
      rng.string(200),
      "NaN",
      "1e309",
      "0x10",
      "__proto__",
      "a\u0000b",
      "x".repeat(rng.int(40, 120)),
      rng.int(-1000, 1000),
    ]);
  }
  if (r < 0.55) return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, keys, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = rng.int(0, 5); i > 0; i--) {
    const k =
      rng.chance(0.7) && keys.length
        ? rng.pick(keys)
        : rng.pick(["__proto__", "constructor", "prototype", "toString", "", rng.string(10)]);
    // defineProperty, so that "__proto__" becomes an own key (as JSON.parse makes it), not the prototype.
    Object.defineProperty(obj, k, {
      value: randomJson(rng, keys, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return obj;
}

/**
 * A JSON body: junk, the template with invalid fields, random JSON the schema refuses, or
 * (if `wellFormed`) the template with NUL or unicode in a free-text field. Templates are
 * refused because of tenant A's data, so tenant B's admin never gets the well-formed kind.
 */
function jsonBodyFor(rng: Rng, spec: BodySpec | undefined, wellFormed = true): { body: Body; label?: string } {
  const r = rng.next();
  if (!spec || r < 0.3) {
    if (rng.chance(0.15)) {
      const bytes = rng.bytes(3000);
      return { body: bytes };
    }
    const [label, body] = rng.pick(JUNK_BODIES);
    return { body, label };
  }
  if (r < 0.7) {
    // The template with one field made invalid (and sometimes a second, or nasty extra keys).
    const body: Record<string, unknown> = { ...spec.template };
    const fields = Object.keys(spec.invalid);
    const field = rng.pick(fields);
    body[field] = rng.pick(spec.invalid[field]!);
    if (rng.chance(0.3)) {
      const f2 = rng.pick(fields);
      body[f2] = rng.pick(spec.invalid[f2]!);
    }
    if (rng.chance(0.2)) delete body[rng.pick(Object.keys(body))];
    let text = JSON.stringify(body);
    if (rng.chance(0.2))
      text = `{"__proto__":{"role":"admin"},"constructor":{"prototype":{"x":1}}${text.length > 2 ? "," : ""}${text.slice(1)}`;
    if (spec.schema.safeParse(JSON.parse(text)).success) return jsonBodyFor(rng, spec, wellFormed); // deleted the bad field
    return { body: text };
  }
  if (r < 0.85 && spec.freeText.length && wellFormed) {
    // Well-formed but for unicode / NUL in a free-text field: the template still makes it a 4xx.
    const field = rng.pick(spec.freeText);
    const body = { ...spec.template, [field]: freeValue(field, rng.pick(FREE_TEXT)) };
    return { body: JSON.stringify(body) };
  }
  const value = randomJson(rng, [...Object.keys(spec.template), ...Object.keys(spec.invalid)]);
  if (spec.schema.safeParse(value).success) return jsonBodyFor(rng, spec, wellFormed);
  return { body: JSON.stringify(value) ?? "undefined" };
}

function formBodyFor(rng: Rng): Body {
  const emails = ["", "not-an-email", "nobody@fuzz.invalid", a.users.admin.email, "%00", "%zz", enc(rng.string(30))];
  const passwords = ["", "x", "wrong", "%00", "x".repeat(1100), enc(rng.string(20))];
  const parts = [`email=${rng.pick(emails)}`, `password=${rng.pick(passwords)}`];
  if (rng.chance(0.2)) parts.push("email=second");
  if (rng.chance(0.2)) parts.push(rng.string(30));
  return rng.chance(0.2) ? rng.pick(JUNK_BODIES)[1] : parts.join("&");
}

// ── Multipart ───────────────────────────────────────────────────────────────────

const CRLF = "\r\n";
const part = (boundary: string, name: string, value: string, filename?: string, type?: string) =>
  `--${boundary}${CRLF}Content-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ""}${CRLF}` +
  `${type ? `Content-Type: ${type}${CRLF}` : ""}${CRLF}${value}${CRLF}`;
const end = (boundary: string) => `--${boundary}--${CRLF}`;
const dupMeta = JSON.stringify({ version: "1.0.0", device_type: "sensor" }); // exists: 409
const FILE = "firmware-bytes-".repeat(200);

/** Fixed broken uploads to POST /customer/firmware, each with the statuses it must get. */
function multipartCases(): { label: string; contentType: string; body: Body; expect: number[] }[] {
  const B = "fuzzBoundary123";
  const ct = `multipart/form-data; boundary=${B}`;
  const file = (f = FILE, filename = "fw.bin") => part(B, "file", f, filename, "application/octet-stream");
  const meta = (m = dupMeta) => part(B, "metadata", m);
  // Every metadata that could pass names the existing version: a missed check still cannot insert.
  const dup = JSON.parse(dupMeta) as Record<string, string>;
  return [
    {
      label: "multipart without boundary",
      contentType: "multipart/form-data",
      body: meta() + file() + end(B),
      expect: [400],
    },
    {
      label: "empty boundary",
      contentType: "multipart/form-data; boundary=",
      body: meta() + file() + end(B),
      expect: [400],
    },
    {
      label: "boundary not in body",
      contentType: "multipart/form-data; boundary=other",
      body: meta() + file() + end(B),
      expect: [400, 422],
    },
    { label: "empty body", contentType: ct, body: "", expect: [400] },
    { label: "only the closing boundary", contentType: ct, body: end(B), expect: [422] },
    { label: "garbage body", contentType: ct, body: "this is not multipart at all", expect: [400, 422] },
    {
      label: "random bytes",
      contentType: ct,
      body: new Uint8Array(Buffer.from("\x00\xff\xfe--fuzz".repeat(300), "latin1")),
      expect: [400, 422],
    },
    { label: "no file part", contentType: ct, body: meta() + end(B), expect: [422] },
    { label: "no metadata part", contentType: ct, body: file() + end(B), expect: [422] },
    {
      label: "file part under another name",
      contentType: ct,
      body: meta() + part(B, "firmware", FILE, "fw.bin") + end(B),
      expect: [422],
    },
    { label: "metadata not JSON", contentType: ct, body: meta("{not json") + file() + end(B), expect: [422] },
    { label: "metadata JSON null", contentType: ct, body: meta("null") + file() + end(B), expect: [422] },
    { label: "metadata array", contentType: ct, body: meta("[]") + file() + end(B), expect: [422] },
    {
      label: "metadata with file_url (strict)",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, file_url: "https://x.test/a" })) + file() + end(B),
      expect: [422],
    },
    {
      label: "metadata __proto__",
      contentType: ct,
      body: meta('{"version":"1.0.0","device_type":"sensor","__proto__":{"x":1}}') + file() + end(B),
      expect: [409, 422],
    },
    {
      label: "metadata version empty",
      contentType: ct,
      body: meta(JSON.stringify({ version: "  " })) + file() + end(B),
      expect: [422],
    },
    {
      label: "checksum mismatch",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, checksum_sha256: "0".repeat(64) })) + file() + end(B),
      expect: [422],
    },
    {
      label: "size mismatch",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, file_size_bytes: 1 })) + file() + end(B),
      expect: [422],
    },
    {
      label: "metadata over the 64 KiB field limit",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, description: "x".repeat(70_000) })) + file() + end(B),
      expect: [422],
    },
    {
      label: "duplicate version (well-formed otherwise)",
      contentType: ct,
      body: meta() + file() + end(B),
      expect: [409],
    },
    { label: "duplicate version, metadata after file", contentType: ct, body: file() + meta() + end(B), expect: [409] },
    { label: "duplicate version, empty file", contentType: ct, body: meta() + file("") + end(B), expect: [409] },
    {
      label: "duplicate version, two file parts",
      contentType: ct,
      body: meta() + file() + file("second") + end(B),
      expect: [409],
    },
    {
      label: "duplicate version, two metadata parts",
      contentType: ct,
      body: meta("{bad") + meta() + file() + end(B),
      expect: [409],
    },
    {
      label: "duplicate version, ten extra fields",
      contentType: ct,
      body: meta() + Array.from({ length: 10 }, (_, i) => part(B, `f${i}`, "v")).join("") + file() + end(B),
      expect: [409, 422],
    },
    {
      label: "duplicate version, odd filename",
      contentType: ct,
      body: meta() + file(FILE, "../../etc/passwd\u0000.bin") + end(B),
      expect: [400, 409],
    },
    {
      label: "duplicate version, LF line endings",
      contentType: ct,
      body: (meta() + file() + end(B)).replaceAll(CRLF, "\n"),
      expect: [400, 422],
    },
    {
      label: "duplicate version, upper-case content type",
      contentType: `MULTIPART/FORM-DATA; BOUNDARY=${B}`,
      body: meta() + file() + end(B),
      expect: [409],
    },
    {
      label: "duplicate version, NUL in description",
      contentType: ct,
      body:
        meta(JSON.stringify({ version: "1.0.0", device_type: "sensor", description: "a\u0000b" })) + file() + end(B),
      expect: [422],
    },
    {
      label: "truncated in the file (no closing boundary)",
      contentType: ct,
      body: meta() + file().slice(0, -200),
      expect: [400],
    },
    {
      label: "truncated in the headers",
      contentType: ct,
      body: meta() + `--${B}${CRLF}Content-Disposition: form-da`,
      expect: [400],
    },
    {
      label: "part without Content-Disposition",
      contentType: ct,
      body: meta() + `--${B}${CRLF}${CRLF}orphan${CRLF}` + end(B),
      expect: [400, 422],
    },
    {
      label: "truncated inside an ignored file part",
      contentType: ct,
      body: meta() + part(B, "other", FILE, "x.bin").slice(0, -200),
      expect: [400],
    },
    {
      label: "NUL in a part header, then a truncated file part",
      contentType: ct,
      body:
        meta() +
        `--${B}${CRLF}Content-Disposition: form-data; name="x\u0000"${CRLF}${CRLF}v${CRLF}` +
        file().slice(0, -200),
      expect: [400],
    },
    {
      label: "truncated inside a second file part",
      contentType: ct,
      body: meta() + file() + file(FILE, "again.bin").slice(0, -200),
      expect: [400],
    },
    {
      label: "file stream that errors midway",
      contentType: ct,
      body: { stream: [Buffer.from(meta() + file().slice(0, 500))], failAfter: true },
      expect: [400],
    },
    {
      label: "2 MiB chunked file, duplicate version",
      contentType: ct,
      body: {
        stream: [
          Buffer.from(meta() + `--${B}${CRLF}Content-Disposition: form-data; name="file"; filename="f"${CRLF}${CRLF}`),
          ...Array.from({ length: 32 }, () => new Uint8Array(65_536).fill(7)),
          Buffer.from(`${CRLF}${end(B)}`),
        ],
      },
      expect: [409],
    },
  ];
}

function randomMultipart(rng: Rng): { contentType: string; body: Body; label: string } {
  const B = rng.pick(["b", "fuzz", "-".repeat(70), "x".repeat(80), "é", "a b", '"quoted"']);
  const sent = rng.chance(0.8) ? B : rng.pick(["other", "", B.toUpperCase()]);
  const ct = rng.pick([
    `multipart/form-data; boundary=${B}`,
    `multipart/form-data;boundary="${B}"`,
    "multipart/form-data",
    `multipart/form-data; boundary=${B}; charset=utf-16`,
  ]);
  const parts: string[] = [];
  const metas = [
    dupMeta,
    "{",
    "null",
    "[]",
    JSON.stringify({ version: 5 }),
    JSON.stringify({ version: "9.9.9", checksum_sha256: "z" }),
    JSON.stringify({ version: "1.0.0", device_type: "sensor", extra: 1 }),
    rng.string(50),
  ];
  for (let i = rng.int(0, 4); i > 0; i--) {
    const kind = rng.pick(["metadata", "file", "other", "junk"]);
    if (kind === "metadata") parts.push(part(sent, "metadata", rng.pick(metas)));
    else if (kind === "file")
      parts.push(
        part(
          sent,
          "file",
          rng.string(300),
          rng.pick(["fw.bin", "", "../x", "é.bin"]),
          rng.pick([undefined, "application/octet-stream", "text/plain"]),
        ),
      );
    else if (kind === "other") parts.push(part(sent, rng.string(8), rng.string(40)));
    else parts.push(rng.string(60));
  }
  let text = parts.join("") + (rng.chance(0.7) ? end(sent) : "");
  if (rng.chance(0.2)) text = text.slice(0, rng.int(0, text.length));
  return {
    contentType: ct,
    body: text,
    label: `random multipart, boundary ${JSON.stringify(B)}, sent ${JSON.stringify(sent)}`,
  };
}

// ── Case generation ─────────────────────────────────────────────────────────────

/** A path parameter: junk, or a real id of tenant A or B. */
function paramValue(rng: Rng, r: Route, name: string, actor: Actor): string | string[] | undefined {
  if (name === "rest") {
    // The catch-all's segments: a string[] as Next.js passes it.
    return Array.from({ length: rng.int(0, 4) }, () =>
      rng.chance(0.5)
        ? rng.pick(JUNK_IDS)
        : rng.pick(["ota", "campaigns", "devices", "firmware", "..", "%2e%2e", "x".repeat(300)]),
    );
  }
  const roll = rng.next();
  if (roll < 0.04) return rng.pick(JUNK_ID_ARRAYS);
  if (roll < 0.45) return rng.pick(JUNK_IDS);
  if (roll < 0.55) return rng.chance(0.5) ? String(rng.int(-5, 5)) + rng.string(3) : rng.string(70);
  if (roll < 0.62) return String(rng.int(1, 10) * 10 ** rng.int(0, 12));
  // A real id: tenant A's, or now and then tenant B's. Tenant B's admin only ever gets
  // tenant A's ids, so that nothing of B's is within reach of its own owner.
  const useA = actor === "other" || roll < 0.88;
  if (name === "id") {
    if (r.path.startsWith("/customer/ota/campaigns"))
      return String(useA ? rng.pick([ids.guardCampaign, ids.doneCampaign]) : ids.campaignB);
    return String(useA ? rng.pick([ids.fwStored, ids.fwUrl]) : ids.fwB);
  }
  if (name === "group_id") return useA ? A_GROUP : B_GROUP;
  return useA ? rng.pick(A_DEVICES) : B_DEVICE;
}

/**
 * Keeps a request from changing the arranged data when its parts happen to be valid:
 * no start/pause/abort of the active guard campaign, no removal of a real membership.
 */
function guard(c: Case): Case {
  const id = typeof c.params.id === "string" ? SerialId.safeParse(c.params.id) : undefined;
  if (/\/(start|pause|abort)$/.test(c.route.path) && id?.success && id.data === ids.guardCampaign) {
    return { ...c, params: { ...c.params, id: String(ids.doneCampaign) } };
  }
  if (
    c.route.name.startsWith("DELETE /customer/device-groups/[group_id]/members/") &&
    [A_GROUP, B_GROUP].includes(c.params.group_id as string)
  ) {
    if ([...A_DEVICES, B_DEVICE].includes(c.params.device_id as string))
      return { ...c, params: { ...c.params, device_id: "fz-missing" } };
  }
  return c;
}

function randomQuery(rng: Rng): string {
  if (rng.chance(0.3)) return rng.pick(FIXED_QUERIES);
  const parts: string[] = [];
  for (let n = rng.int(0, 4); n > 0; n--) {
    const k = rng.chance(0.85) ? rng.pick(QUERY_KEYS) : enc(rng.string(8));
    const v = rng.chance(0.85) ? rng.pick(QUERY_VALUES) : enc(rng.string(30));
    parts.push(rng.pick([`${k}=${v}`, `${k}=${v}`, `${k}=${v}`, k, `=${v}`, ""]));
  }
  return parts.join("&");
}

function randomHeaders(rng: Rng, r: Route): Record<string, string> {
  const h: Record<string, string> = {};
  const hasBody = r.method !== "GET" && r.method !== "HEAD";
  if (hasBody && rng.chance(0.5))
    h["content-type"] = rng.chance(0.85) ? rng.pick(CONTENT_TYPES) : rng.string(40, true).trim();
  if (hasBody && rng.chance(0.12)) h["content-length"] = rng.pick(CONTENT_LENGTHS);
  if (rng.chance(0.1))
    h["range"] = rng.pick([
      "bytes=0-0",
      "bytes=-1",
      "bytes=5-1",
      "bytes=99999999999999999999-",
      "bytes=0-1,2-3",
      "bytes=abc",
      "items=0-1",
      "bytes=-0",
      "bytes=0-99999999999999999999999",
    ]);
  if (rng.chance(0.05))
    h["if-range"] = rng.pick(['"stale"', 'W/"x"', "Tue, 15 Nov 1994 08:12:31 GMT", rng.string(20, true).trim()]);
  if (rng.chance(0.05)) h["x-forwarded-proto"] = rng.pick(["https", "gopher", ""]);
  if (rng.chance(0.05)) h["x-tenant-id"] = b.tenantId;
  if (rng.chance(0.05))
    h[rng.pick(["accept", "x-junk", "origin", "referer", "accept-encoding"])] = rng.string(60, true).trim();
  return h;
}

function randomActor(rng: Rng, r: Route): Actor {
  const open = r.path.startsWith("/auth") || r.path === "/health" || r.path.startsWith("/firmware/");
  if (open) return rng.pick<Actor>(["none", "none", "junk", "admin"]);
  const x = rng.next();
  return x < 0.55
    ? "admin"
    : x < 0.62
      ? "cookie"
      : x < 0.7
        ? "viewer"
        : x < 0.78
          ? "other"
          : x < 0.88
            ? "none"
            : "junk";
}

function randomCase(rng: Rng, r: Route, specs: Record<string, BodySpec>): Case {
  const actor = randomActor(rng, r);
  const headers: Record<string, string> = actor === "junk" ? { ...rng.pick(junkAuth).headers } : {};
  const params: Case["params"] = {};
  for (const p of r.paramNames) params[p] = paramValue(rng, r, p, actor);
  let query = rng.chance(0.6) ? randomQuery(rng) : "";
  Object.assign(headers, randomHeaders(rng, r));
  let body: Body | undefined;
  let label: string | undefined;

  if (r.path === "/firmware/[id]/download") {
    // Signed URLs: junk signatures, or a good one for the stored firmware with junk elsewhere.
    const secret = requireAuthSecret();
    const good = signDownloadUrl(ids.fwStored, new Date(Date.now() + 600_000), secret).split("?")[1]!;
    const roll = rng.next();
    if (roll < 0.3) {
      params.id = String(ids.fwStored);
      query = good;
    } else if (roll < 0.45) {
      const id = rng.pick([ids.fwUrl, ids.fwB, 2_147_483_647]);
      params.id = String(id);
      query = signDownloadUrl(id, new Date(Date.now() + 600_000), secret).split("?")[1]!;
    } else if (roll < 0.75) {
      query = `exp=${rng.pick(["", "1", "-1", "1e10", "9".repeat(12), "9".repeat(13), "%00", String(Math.floor(Date.now() / 1000) + 600), "0x10"])}&sig=${rng.pick(["", "x", "%00", good.split("sig=")[1]!, enc(rng.string(43)), "A".repeat(43)])}`;
    }
  } else if (r.method !== "GET" && r.method !== "HEAD") {
    if (r.path === "/auth/login") {
      body = formBodyFor(rng);
      if (!headers["content-type"] && rng.chance(0.7)) headers["content-type"] = "application/x-www-form-urlencoded";
    } else if (r.name === "POST /customer/firmware" && rng.chance(0.35)) {
      const m = randomMultipart(rng);
      headers["content-type"] = m.contentType;
      body = m.body;
      label = m.label;
    } else if (specs[r.name] || rng.chance(0.4)) {
      ({ body, label } = jsonBodyFor(rng, specs[r.name], actor !== "other"));
      if (!headers["content-type"] && rng.chance(0.7)) headers["content-type"] = "application/json";
    }
  }
  // Any path under /customer that is not an API route: always the JSON 404.
  const expect = r.path === "/customer/[...rest]" ? [404] : undefined;
  return guard({ route: r, actor, params, query, headers, body, bodyNote: label, expect });
}

// ── Fixed cases ─────────────────────────────────────────────────────────────────

const JSON_BODY_ROUTES = [
  "POST /auth/token",
  "POST /customer/firmware",
  "POST /customer/ota/campaigns",
  "POST /customer/ota/campaigns/preview",
  "POST /customer/devices",
  "POST /customer/device-groups",
  "POST /customer/device-groups/[group_id]/members",
];
const validParams = (r: Route): Record<string, string> =>
  Object.fromEntries(
    r.paramNames.map((p) => [
      p,
      p === "id"
        ? String(r.path.includes("campaigns") ? ids.doneCampaign : ids.fwStored)
        : p === "group_id"
          ? A_GROUP
          : "fz-missing",
    ]),
  );
const actorFor = (r: Route): Actor => (r.path.startsWith("/customer") ? "admin" : "none");

function oversizedCases(): Case[] {
  const max = MAX_BODY();
  const out: Case[] = [];
  for (const name of JSON_BODY_ROUTES) {
    const r = route(name);
    const base = { route: r, actor: actorFor(r), params: validParams(r), query: "", expect: [413] };
    const ct = { "content-type": "application/json" };
    out.push(
      { ...base, headers: ct, body: "x".repeat(max + 1), bodyNote: `="x" × ${max + 1}` },
      {
        ...base,
        headers: ct,
        body: JSON.stringify({ name: "n".repeat(max), version: "v".repeat(max) }),
        bodyNote: `={"name":"n…","version":"v…"}, ${2 * max} bytes`,
      },
      {
        ...base,
        headers: { ...ct, "content-length": String(max + 1) },
        body: "{}",
        bodyNote: "declared larger than it is",
      },
      { ...base, headers: { ...ct, "content-length": "1e999" }, body: "{}", bodyNote: "declared as 1e999 bytes" },
      { ...base, headers: ct, body: { stream: Array.from({ length: 34 }, () => new Uint8Array(65_536).fill(0x20)) } },
    );
  }
  // The login form has a cap of its own, far below MAX_BODY_BYTES: a form is never buffered whole.
  const login = route("POST /auth/login");
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const big = LOGIN_MAX_BODY_BYTES + 1;
  out.push(
    ...[
      { headers: form, body: `email=a%40b.co&password=${"x".repeat(big)}`, bodyNote: `=email=…&password=x × ${big}` },
      {
        headers: { ...form, "content-length": String(big) },
        body: "email=a%40b.co&password=x",
        bodyNote: "declared larger than it is",
      },
      { headers: form, body: { stream: Array.from({ length: 40 }, () => new Uint8Array(65_536).fill(0x61)) } },
      {
        headers: { "content-type": "multipart/form-data; boundary=b" },
        body: `--b\r\nContent-Disposition: form-data; name="email"\r\n\r\n${"x".repeat(big)}\r\n--b--\r\n`,
      },
    ].map((c): Case => ({ route: login, actor: "none", params: {}, query: "", expect: [413], ...c })),
  );
  const up = route("POST /customer/firmware");
  out.push({
    route: up,
    actor: "admin",
    params: {},
    query: "",
    headers: { "content-type": "multipart/form-data; boundary=b", "content-length": String(1024 ** 4) },
    body: "--b--\r\n",
    expect: [413],
  });
  return out;
}

/** Each junk credential against a read, a create and a delete: 401 every time. */
function authCases(): Case[] {
  const targets = [
    route("GET /customer/devices"),
    route("POST /customer/devices"),
    route("DELETE /customer/devices/[device_id]"),
    route("POST /customer/ota/campaigns/[id]/start"),
  ];
  return junkAuth.flatMap(({ label, headers }) =>
    targets.map((r): Case => ({
      route: r,
      actor: "junk",
      note: label,
      params: r.paramNames.includes("id")
        ? { id: String(ids.guardCampaign) }
        : r.paramNames.length
          ? { device_id: A_DEVICES[0]! }
          : {},
      query: "",
      headers: { ...headers },
      // A brand-new device: were the credential accepted, the database check would see it.
      body: r.method === "POST" ? JSON.stringify({ device_id: "fz-new-device" }) : undefined,
      expect: [401],
    })),
  );
}

/** The other tenant's ids answer like missing ones (404), for reads and writes alike. */
function crossTenantCases(): Case[] {
  const out: Case[] = [];
  for (const r of ROUTES.filter((x) => x.path.startsWith("/customer/") && x.paramNames.length)) {
    for (const [actor, own] of [
      ["admin", "B"],
      ["other", "A"],
    ] as const) {
      const params: Record<string, string> = {};
      for (const p of r.paramNames) {
        if (p === "id")
          params.id = String(
            r.path.includes("campaigns")
              ? own === "B"
                ? ids.campaignB
                : ids.doneCampaign
              : own === "B"
                ? ids.fwB
                : ids.fwUrl,
          );
        else if (p === "group_id") params.group_id = own === "B" ? B_GROUP : A_GROUP;
        else params.device_id = own === "B" ? B_DEVICE : A_DEVICES[0]!;
      }
      const body = r.name.endsWith("/members")
        ? JSON.stringify({ device_ids: [own === "B" ? B_DEVICE : A_DEVICES[0]] })
        : undefined;
      out.push({
        route: r,
        actor,
        params,
        query: "",
        headers: body ? { "content-type": "application/json" } : {},
        body,
        expect: [404],
      });
    }
  }
  return out;
}

/** The arranged data refuses every change: the guards that make the random cases safe. */
function guardedCases(): Case[] {
  const admin = (name: string, params: Record<string, string>, expectStatus: number, body?: string): Case => ({
    route: route(name),
    actor: "admin",
    params,
    query: "",
    headers: body ? { "content-type": "application/json" } : {},
    body,
    expect: [expectStatus],
  });
  return [
    ...A_DEVICES.map((d) => admin("DELETE /customer/devices/[device_id]", { device_id: d }, 409)),
    admin("DELETE /customer/device-groups/[group_id]", { group_id: A_GROUP }, 409),
    admin("DELETE /customer/firmware/[id]", { id: String(ids.fwStored) }, 409),
    admin("DELETE /customer/firmware/[id]", { id: String(ids.fwUrl) }, 409),
    admin("POST /customer/ota/campaigns/[id]/start", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/pause", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/abort", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/pause", { id: String(ids.guardCampaign) }, 400),
    admin(
      "DELETE /customer/device-groups/[group_id]/members/[device_id]",
      { group_id: A_GROUP, device_id: "fz-missing" },
      404,
    ),
    admin("POST /customer/devices", {}, 409, JSON.stringify({ device_id: A_DEVICES[0] })),
    admin("POST /customer/device-groups", {}, 409, JSON.stringify({ group_id: A_GROUP, name: "x" })),
    admin(
      "POST /customer/firmware",
      {},
      409,
      JSON.stringify({ version: "1.0.0", device_type: "sensor", file_url: "https://example.test/x.bin" }),
    ),
    admin(
      "POST /customer/ota/campaigns",
      {},
      400,
      JSON.stringify({ name: "x", firmware_version_id: ids.fwStored, target_group_id: A_GROUP }),
    ),
    admin(
      "POST /customer/ota/campaigns",
      {},
      404,
      JSON.stringify({ name: "x", firmware_version_id: ids.fwB, target_group_id: A_GROUP }),
    ),
    admin(
      "POST /customer/device-groups/[group_id]/members",
      { group_id: A_GROUP },
      404,
      JSON.stringify({ device_ids: ["fz-missing"] }),
    ),
    { ...admin("DELETE /customer/devices/[device_id]", { device_id: A_DEVICES[0]! }, 403), actor: "viewer" },
    { ...admin("POST /customer/ota/campaigns/[id]/abort", { id: String(ids.guardCampaign) }, 403), actor: "viewer" },
  ];
}

/** NUL and other unicode in query strings and free-text fields of otherwise refused bodies. */
function nulCases(): Case[] {
  const out: Case[] = [];
  for (const [name, query] of [
    ["GET /customer/devices", "device_type=%00"],
    ["GET /customer/devices", "fw_version=a%00b"],
    ["GET /customer/firmware", "device_type=%00"],
    ["GET /customer/ota/campaigns", "status=%00"],
  ] as const) {
    out.push({ route: route(name), actor: "admin", params: {}, query, headers: {} });
  }
  const specs = bodySpecs();
  for (const name of JSON_BODY_ROUTES) {
    const spec = specs[name]!;
    const r = route(name);
    for (const field of spec.freeText) {
      for (const v of ["a\u0000b", "💥\u202e\ud800"]) {
        out.push({
          route: r,
          actor: actorFor(r),
          params: validParams(r),
          query: "",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...spec.template, [field]: freeValue(field, v) }),
        });
      }
    }
  }
  return out;
}

/**
 * A still-valid token of a deleted tenant (tokens are stateless and live 12 hours): reads
 * may answer (empty) 2xx, but writes must be refused with a 4xx.
 */
function staleTokenCases(): Case[] {
  const post = (name: string, body: unknown): Case => ({
    route: route(name),
    actor: "junk",
    note: "token of a deleted tenant",
    params: {},
    query: "",
    headers: { ...staleAuth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return [
    { ...post("GET /customer/devices", {}), body: undefined, headers: { ...staleAuth } },
    post("POST /customer/devices", { device_id: "fz-stale-device" }),
    post("POST /customer/device-groups", { group_id: "fz-stale-group", name: "stale" }),
    post("POST /customer/firmware", { version: "9.9.9", file_url: "https://example.test/stale.bin" }),
  ];
}

/** A request body that breaks off mid-stream (the client went away). */
function interruptedCases(): Case[] {
  return JSON_BODY_ROUTES.map((name) => {
    const r = route(name);
    return {
      route: r,
      actor: actorFor(r),
      params: validParams(r),
      query: "",
      headers: { "content-type": "application/json" },
      body: { stream: [Buffer.from('{"name": "x", "device_id": "')], failAfter: true },
    };
  });
}

// ── The tests ───────────────────────────────────────────────────────────────────

let dbBefore: Awaited<ReturnType<typeof dbSnapshot>>;
let filesBefore: string[];

beforeAll(async () => {
  console.log(`[fuzz] seed ${SEED} (reproduce with FUZZ_SEED=${SEED}), ${PER_ROUTE} random requests per route handler`);
  process.on("uncaughtException", onEscaped);
  process.on("unhandledRejection", onEscaped);
  await arrange();
  dbBefore = await dbSnapshot();
  filesBefore = dirSnapshot();
});

afterAll(async () => {
  console.log(
    `[fuzz] seed ${SEED}: ${stats.requests} requests to ${stats.byRoute.size} route handlers; statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort()))}; ${failures.length} failing`,
  );
  for (const f of failures) console.log(`[fuzz] FAIL ${f.status} (${f.verdict}): ${f.full}\n        answer: ${f.body}`);
  process.off("uncaughtException", onEscaped);
  process.off("unhandledRejection", onEscaped);
  await handle.close();
  if (sharedFirmwareDir === undefined) delete process.env.FIRMWARE_DIR;
  else process.env.FIRMWARE_DIR = sharedFirmwareDir;
  fs.rmSync(ownFirmwareDir, { recursive: true, force: true });
});

describe("API fuzz: malformed input gets a 4xx, never a 500, and changes nothing", () => {
  it("covers every route file and every exported method", () => {
    expect(Object.keys(MODULES).sort()).toEqual(routeFilesOnDisk());
    expect(ROUTES.length).toBeGreaterThanOrEqual(31);
  });

  for (const r of ROUTES) {
    it(`random requests: ${r.name}`, async () => {
      const rng = new Rng(SEED ^ fnv1a(r.name));
      const specs = bodySpecs();
      await runCases(Array.from({ length: PER_ROUTE }, () => randomCase(rng, r, specs)));
    });
  }

  it("junk credentials (headers and cookies) answer 401", async () => {
    await runCases(authCases());
  });

  it("bodies over MAX_BODY_BYTES (or the login cap), declared or streamed, answer 413", async () => {
    await runCases(oversizedCases());
  });

  it("broken multipart uploads answer 4xx and leave no file behind", async () => {
    const r = route("POST /customer/firmware");
    await runCases(
      multipartCases().map((m) => ({
        route: r,
        actor: "admin",
        params: {},
        query: "",
        headers: { "content-type": m.contentType },
        body: m.body,
        bodyNote: m.label,
        expect: m.expect,
      })),
    );
    // Real FormData bodies (boundary chosen by the platform): bad metadata, and a duplicate.
    const form = (metadata: string) => {
      const f = new FormData();
      f.set("metadata", metadata);
      f.set("file", new Blob([FILE]), "fw.bin");
      return f;
    };
    await runCases([
      {
        route: r,
        actor: "admin",
        params: {},
        query: "",
        headers: {},
        body: form("{bad"),
        bodyNote: "=FormData metadata={bad, file",
        expect: [422],
      },
      {
        route: r,
        actor: "admin",
        params: {},
        query: "",
        headers: {},
        body: form(dupMeta),
        bodyNote: `=FormData metadata=${dupMeta}, file`,
        expect: [409],
      },
    ]);
    const rng = new Rng(SEED ^ fnv1a("multipart"));
    await runCases(
      Array.from({ length: 40 }, () => {
        const m = randomMultipart(rng);
        return {
          route: r,
          actor: "admin" as Actor,
          params: {},
          query: "",
          headers: { "content-type": m.contentType },
          body: m.body,
          bodyNote: m.label,
        };
      }),
    );
    expect(dirSnapshot()).toEqual(filesBefore);
  });

  it("the other tenant's ids answer 404", async () => {
    await runCases(crossTenantCases());
  });

  it("the arranged data refuses every change (409, 400, 404, 403)", async () => {
    await runCases(guardedCases());
  });

  it("NUL bytes and unicode in queries and free-text fields answer 4xx", async () => {
    await runCases(nulCases());
  });

  it("a token of a deleted tenant cannot write (4xx)", async () => {
    await runCases(staleTokenCases());
  });

  it("a request body that breaks off midway answers 4xx", async () => {
    await runCases(interruptedCases());
  });

  it("leaves the database and the firmware directory exactly as arranged", async () => {
    expect(await dbSnapshot()).toEqual(dbBefore);
    expect(dirSnapshot()).toEqual(filesBefore);
    // Every error that escaped a handler was pinned on a request above (none came later).
    expect(escaped.length).toBe(escapedPinned);
    const fresh = {} as Record<string, unknown>;
    expect([fresh.role, fresh.isAdmin, fresh.polluted, fresh.x, fresh.tenantId]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
