/**
 * Fuzz of request bodies and the text inside them: bodies over MAX_BODY_BYTES (or the
 * login form's cap), declared or streamed (413); NUL bytes and unicode in query strings
 * and in the free-text fields of otherwise refused JSON bodies; and bodies that break off
 * mid-stream. Each answer must keep the rules in tests/support/fuzz-send.ts, and the
 * arranged data must be unchanged afterwards. Reproduce a run with
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz-bodies.test.ts
 */
import { it } from "vitest";
import { LOGIN_MAX_BODY_BYTES } from "@/lib/auth/login";
import type { BoundHandler } from "@/lib/http/handler";
import { A_GROUP, ids, type Actor } from "../support/fuzz-arrange";
import { describeFuzz } from "../support/fuzz-harness";
import { MAX_BODY } from "../support/fuzz-inputs";
import { bodySpecs, freeValue } from "../support/fuzz-json";
import { route, type Route } from "../support/fuzz-routes";
import { runCases, type Case } from "../support/fuzz-send";

const JSON_BODY_ROUTES = [
  "POST /auth/token",
  "POST /customer/firmware",
  "POST /customer/ota/campaigns",
  "POST /customer/ota/campaigns/preview",
  "POST /customer/devices",
  "POST /customer/devices/bulk",
  "POST /customer/device-groups",
  "POST /customer/device-groups/[group_id]/members",
  "POST /customer/ota/release-keys",
  "PATCH /customer/ota/settings",
  "POST /mqtt/auth",
  "POST /mqtt/acl",
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
const actorFor = (r: Route): Actor =>
  r.path.startsWith("/customer") ? "admin" : r.path.startsWith("/mqtt/") ? "hook" : "none";

/** A route's body limit: its declaration's own (the bulk registration's is larger), else MAX_BODY_BYTES. */
const maxBodyOf = (r: Route) => (r.handler as Partial<BoundHandler>).route?.maxBodyBytes ?? MAX_BODY();

function oversizedCases(): Case[] {
  const out: Case[] = [];
  for (const name of JSON_BODY_ROUTES) {
    const r = route(name);
    const max = maxBodyOf(r);
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
      {
        ...base,
        headers: ct,
        body: { stream: Array.from({ length: Math.ceil(max / 65_536) + 2 }, () => new Uint8Array(65_536).fill(0x20)) },
      },
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
  // Inside the items of a list: the bulk registration's fields are one level down.
  for (const v of ["a\u0000b", "💥\u202e\ud800"]) {
    const r = route("POST /customer/devices/bulk");
    out.push({
      route: r,
      actor: "admin",
      params: {},
      query: "",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ devices: [{ device_id: "fz-bulk-new", device_type: v }, { device_id: "fz-dev-1" }] }),
    });
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

describeFuzz("API fuzz, bodies: a 4xx, never a 500, and nothing changed", () => {
  it("bodies over MAX_BODY_BYTES (or the login cap), declared or streamed, answer 413", async () => {
    await runCases(oversizedCases());
  });

  it("NUL bytes and unicode in queries and free-text fields answer 4xx", async () => {
    await runCases(nulCases());
  });

  it("a request body that breaks off midway answers 4xx", async () => {
    await runCases(interruptedCases());
  });
});
