/**
 * How the fuzz files (tests/integration/fuzz-*.test.ts) send a case and judge its answer:
 * every answer must be a 4xx, never a 500, with the database and the firmware directory
 * unchanged afterwards (tests/support/fuzz-harness.ts checks that at the end of each file).
 *
 * What counts as a pass, request by request:
 *   - never 5xx, never a handler that throws instead of answering, never a hang, and no
 *     error escaping as an uncaught exception or unhandled rejection while it runs;
 *   - POST and DELETE answer 4xx only. The inputs are built to be invalid, and the
 *     arranged data is guarded so that even a well-formed request could not change it:
 *     every device and the group are in an active campaign (DELETE → 409), every
 *     firmware is used by a campaign (DELETE → 409), the only campaign that start,
 *     pause and abort are sent to is COMPLETED (→ 400), a tenant's own keys are never
 *     sent to be retired or activated (an unknown kid → 404), no tenant has an unretired release key
 *     (requiring signed firmware → 409), and body templates name an existing device,
 *     group, firmware version or release key (→ 409) or an unknown device (→ 404);
 *   - GET and HEAD may also answer 2xx (a fuzzed query or id can be valid: limit=0x10, id " 1");
 *     so may the POSTs that only read: the campaign preview (a dry run) and the broker's MQTT
 *     hooks, whose 2xx must be `{"result": "allow" | "deny"}`, and never "allow" from
 *     /mqtt/auth: no device in the fuzz has credentials, and no case knows the service's password;
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
 *
 * Failing requests are listed at the end of a file's run ("[fuzz] FAIL …"), each with the
 * exact method, path, query, headers and body; a 500 is also flagged right after the error
 * mapper's own "[web] unhandled error" line.
 */
import { expect } from "vitest";
import { LOGIN_MAX_BODY_BYTES } from "@/lib/auth/login";
import { MqttHookResult } from "@/lib/mqtt/hooks";
import { actorHeaders, type Actor } from "./fuzz-arrange";
import type { Route } from "./fuzz-routes";

/** The client address of this run's login attempts (from TEST-NET-2, RFC 5737). */
const FUZZ_ADDRESS = `198.51.100.${1 + (process.pid % 254)}`;
/** A request without an answer by then counts as hung (every answer here takes milliseconds). */
const REQUEST_TIMEOUT_MS = 5_000;

export type Body = string | Uint8Array | FormData | { stream: Uint8Array[]; failAfter?: boolean };
export interface Case {
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
export const enc = (s: string) =>
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

export interface Outcome {
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
      c.route.path === "/customer/ota/campaigns/preview" ||
      c.route.path.startsWith("/mqtt/")
    ) {
      // Reads, and the POSTs that only read (a dry run, the broker's questions): 2xx or 4xx, and the database unchanged.
      if (!(s >= 200 && s < 300) && !(s >= 400 && s < 500)) return "expected 2xx or 4xx";
    } else if (!(s >= 400 && s < 500)) return "a mutating request must be refused with 4xx";
  }
  if (s >= 200 && s < 300 && c.route.path.startsWith("/mqtt/")) {
    const parsed = MqttHookResult.safeParse(o.json);
    if (!parsed.success) return `hook answer is not {"result": "allow" | "deny"}: ${short(o.text, 200)}`;
    if (c.route.path === "/mqtt/auth" && parsed.data.result !== "deny")
      return "the auth hook let in a client without its password";
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
export const escaped: unknown[] = [];
export const onEscaped = (err: unknown) => void escaped.push(err);
export let escapedPinned = 0;

export const stats = { requests: 0, byStatus: new Map<string, number>(), byRoute: new Map<string, number>() };
export const failures: { case: string; full: string; status: Outcome["status"]; verdict: string; body: string }[] = [];

export async function runCases(cases: Case[]) {
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
