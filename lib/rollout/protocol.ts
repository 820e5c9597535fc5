import { z } from "zod";
import { IDENTIFIER_PATTERN } from "@/lib/rules/identifiers";
import { isReportStatus, type ReportStatus } from "@/lib/rules/statuses";

/**
 * The device contract: topics and payloads. Real firmware is written against
 * docs/device-protocol.md; the worker and the
 * device simulator both use this module, so the two cannot drift apart.
 */

/** The worker publishes one command per device here, at QoS 1. */
export const commandTopic = (tenantId: string, deviceId: string) => `tenant/${tenantId}/device/${deviceId}/ota`;
/** Devices publish their progress here, at QoS 1. */
export const statusTopic = (tenantId: string, deviceId: string) => `tenant/${tenantId}/device/${deviceId}/ota/status`;
/** What the worker subscribes to: every tenant, or one (a worker sharded to tenants). */
export const statusFilter = (tenantId = "+") => `tenant/${tenantId}/device/+/ota/status`;
/** A shared subscription, so that several workers split the reports (Mosquitto, EMQX; not aedes). */
export const sharedStatusFilter = (tenantId = "+") => `$share/flotilla/${statusFilter(tenantId)}`;

export interface OtaCommand {
  campaign_id: number;
  /** Absolute URL; for stored firmware an HMAC-signed link valid longer than the device timeout. */
  firmware_url: string;
  version: string;
  /** SHA-256 of the binary, lowercase hex. Campaigns refuse firmware without one. */
  checksum: string;
  action: "update";
  /** Size of the binary in bytes, when known. */
  size: number | null;
  /**
   * The signed update manifest (lib/rollout/manifest.ts): a compact JWS, signed with the
   * tenant's key, naming this device and the image. A device installs only what it names.
   */
  manifest: string;
}

/**
 * A command as a device reads it. Unknown fields are ignored (the contract may grow);
 * the checksum is compared in lowercase.
 */
export const OtaCommandPayload = z.object({
  campaign_id: z.number().int().positive().max(2_147_483_647),
  firmware_url: z
    .string()
    .url()
    .refine((u) => /^https?:$/.test(new URL(u).protocol), { message: "must be an http(s) URL" }),
  version: z.string().min(1).max(50),
  checksum: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal characters")
    .transform((s) => s.toLowerCase()),
  action: z.literal("update"),
  size: z
    .number()
    .int()
    .nonnegative()
    .nullish()
    .transform((s) => s ?? null),
  // Optional here, so that a command of an older worker still parses: what a device
  // requires is its own decision (the simulator's is in lib/simulator/). Any string: a
  // malformed one is for verifyManifest to refuse with its reason, not for the parser to drop.
  manifest: z.string().max(16_384).optional(),
}) satisfies z.ZodType<Omit<OtaCommand, "manifest"> & { manifest?: string }, unknown>;
export type OtaCommandPayload = z.infer<typeof OtaCommandPayload>;

// The report statuses live in lib/rules/statuses.ts; re-exported for bench/ (import them from there).

// Tenant and device levels follow the API's identifier rule: no '/', '+', '#' or NUL.
const STATUS_TOPIC = new RegExp(`^tenant/(${IDENTIFIER_PATTERN})/device/(${IDENTIFIER_PATTERN})/ota/status$`);

export function parseStatusTopic(topic: string): { tenantId: string; deviceId: string } | null {
  const m = STATUS_TOPIC.exec(topic);
  return m ? { tenantId: m[1]!, deviceId: m[2]! } : null;
}

const clip = (v: unknown, max: number): string | null | undefined =>
  v === undefined || v === null ? null : typeof v === "string" ? cut(v.replace(/\0/g, ""), max) || null : undefined;

/** The first `max` UTF-16 units, without splitting a surrogate pair (an emoji) in two. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

/**
 * The report payload, validated by hand: this runs for every message of a fleet (tens
 * of thousands a second), where a schema library's generality costs more than the
 * rest of the intake. The rules: `campaign_id` a positive int4 (or its digits as a
 * string); `status` one of REPORT_STATUSES in any case; `progress` a finite number,
 * clamped to 0–100 and rounded down (0 when absent); `error` and `version` strings or
 * null, NULs removed, cut to 1,000 and 50 characters. Anything else: null.
 */
export function parseStatusPayload(json: unknown): Omit<StatusReport, "tenantId" | "deviceId"> | null {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return null;
  const o = json as Record<string, unknown>;
  let campaignId = o.campaign_id;
  if (typeof campaignId === "string" && /^\d{1,10}$/.test(campaignId)) campaignId = Number(campaignId);
  if (typeof campaignId !== "number" || !Number.isInteger(campaignId) || campaignId < 1 || campaignId > 2_147_483_647)
    return null;
  if (typeof o.status !== "string") return null;
  const status = o.status.toUpperCase();
  if (!isReportStatus(status)) return null;
  let progress = 0;
  if (o.progress !== undefined && o.progress !== null) {
    if (typeof o.progress !== "number" || !Number.isFinite(o.progress)) return null;
    progress = Math.max(0, Math.min(100, Math.floor(o.progress)));
  }
  const error = clip(o.error, 1000);
  const version = clip(o.version, 50);
  if (error === undefined || version === undefined) return null;
  return { campaignId, status, progress, error, version };
}

/** A parsed report, with where it came from (the topic names the tenant and the device). */
export interface StatusReport {
  tenantId: string;
  deviceId: string;
  campaignId: number;
  status: ReportStatus;
  progress: number;
  error: string | null;
  version: string | null;
}

export type ParseResult = { ok: true; report: StatusReport } | { ok: false; reason: "bad topic" | "bad payload" };

/** A message off the status topic, or the reason it is dropped. Never throws. */
export function parseStatusMessage(topic: string, payload: Buffer | string): ParseResult {
  const where = parseStatusTopic(topic);
  if (!where) return { ok: false, reason: "bad topic" };
  if (payload.length > 4096) return { ok: false, reason: "bad payload" };
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === "string" ? payload : payload.toString("utf8"));
  } catch {
    return { ok: false, reason: "bad payload" };
  }
  const report = parseStatusPayload(json);
  if (!report) return { ok: false, reason: "bad payload" };
  return { ok: true, report: { ...where, ...report } };
}
