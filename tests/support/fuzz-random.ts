/**
 * A random request to one route: who sends it, its path parameters, query, headers and
 * body, all drawn from the route's own seeded sequence and guarded so that a request
 * whose parts happen to be valid still cannot change the arranged data.
 */
import { requireAuthSecret } from "@/lib/config";
import { OtaSettingsUpdate, SerialId } from "@/lib/ota/schemas";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { A_DEVICES, A_GROUP, b, B_DEVICE, B_GROUP, ids, junkAuth, kids, UNKNOWN_KID, type Actor } from "./fuzz-arrange";
import {
  CONTENT_LENGTHS,
  CONTENT_TYPES,
  FIXED_QUERIES,
  JUNK_ID_ARRAYS,
  JUNK_IDS,
  QUERY_KEYS,
  QUERY_VALUES,
} from "./fuzz-inputs";
import { formBodyFor, jsonBodyFor, type BodySpec } from "./fuzz-json";
import { randomMultipart } from "./fuzz-multipart";
import type { Rng } from "./fuzz-rng";
import type { Route } from "./fuzz-routes";
import { enc, type Body, type Case } from "./fuzz-send";

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
  if (name === "kid") {
    const real = r.path.startsWith("/customer/ota/signing-keys")
      ? rng.pick(useA ? kids.signingA : kids.signingB)
      : useA
        ? kids.releaseA
        : kids.releaseB;
    // Now and then a near miss: the right shape but no such key (case and length matter).
    return rng.chance(0.25) ? rng.pick(nearKids(real)) : real;
  }
  return useA ? rng.pick(A_DEVICES) : B_DEVICE;
}

const swapCase = (s: string) =>
  s.replace(/[a-z]/i, (ch) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()));
const nearKids = (kid: string) => [UNKNOWN_KID, swapCase(kid), `${kid.slice(1)}A`, `${kid}A`, kid.slice(1), ` ${kid}`];

/** Tenant A's actors that may retire keys and change settings: the guards keep them from doing so. */
const mayWrite = (actor: Actor) => actor === "admin" || actor === "cookie";

/** The body as JSON, if it is JSON (else undefined). */
function jsonOf(body: Body | undefined): unknown {
  const text =
    typeof body === "string" ? body : body instanceof Uint8Array ? Buffer.from(body).toString("utf8") : undefined;
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Keeps a request from changing the arranged data when its parts happen to be valid:
 * no start/pause/abort of the active guard campaign, no removal of a real membership,
 * no re-key of a real device, no retirement or activation of tenant A's keys by A's admin
 * (another tenant's kid is left as it is: that must answer 404), and no settings change that
 * would be allowed (require_signed_firmware: false answers 200; true is refused, 409).
 */
function guard(c: Case): Case {
  if (
    mayWrite(c.actor) &&
    c.route.method !== "GET" &&
    c.route.method !== "HEAD" &&
    [...kids.signingA, kids.releaseA].includes(c.params.kid as string)
  )
    return { ...c, params: { ...c.params, kid: UNKNOWN_KID } };
  if (c.route.name === "PATCH /customer/ota/settings" && (mayWrite(c.actor) || c.actor === "other")) {
    const json = jsonOf(c.body);
    const parsed = OtaSettingsUpdate.safeParse(json);
    if (parsed.success && !parsed.data.require_signed_firmware)
      return { ...c, body: JSON.stringify({ ...(json as object), require_signed_firmware: true }) };
  }
  if (
    c.route.name === "POST /customer/devices/[device_id]/credentials" &&
    [...A_DEVICES, B_DEVICE].includes(c.params.device_id as string)
  )
    return { ...c, params: { ...c.params, device_id: "fz-missing" } };
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
  // The broker's hooks: mostly the broker with its secret, else anyone else (401).
  if (r.path.startsWith("/mqtt/")) return rng.pick<Actor>(["hook", "hook", "hook", "none", "junk", "admin"]);
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

export function randomCase(rng: Rng, r: Route, specs: Record<string, BodySpec>): Case {
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
