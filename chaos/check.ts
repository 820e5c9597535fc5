import type postgres from "postgres";
import { DEVICE_STATUSES, STATUS_COUNTER } from "@/lib/rules/statuses";
import type { DeviceRecord } from "./devices";

/**
 * The verdict of a scenario: what each device says, compared with what the database
 * says, device by device, and the campaign's counters compared with a GROUP BY over its
 * rows. Read as the owner (outside RLS): this is the harness inspecting, not the product.
 */

/** Why a device and the database disagree. */
export type Disagreement =
  /** The device runs the new version and said SUCCESS; the database has FAILED ("Timed out…" or another reason). */
  | "false failure"
  /** The device said FAILED; the database has SUCCESS. */
  | "false success"
  /** The database has SUCCESS for a device that never received a command. */
  | "success never commanded"
  /** The device finished; its row is still PENDING, DOWNLOADING or INSTALLING (or SKIPPED). */
  | "row not final"
  /** Status agrees, but devices.fw_version is not the version the device runs. */
  | "fw_version differs"
  /** The device was still updating when the comparison was made. */
  | "device still updating";

export interface DeviceVerdict {
  deviceId: string;
  device: string;
  db: string;
  dbError: string | null;
  dbFwVersion: string | null;
  deviceVersion: string;
  commands: number;
  dispatchCount: number | null;
  problem: Disagreement;
  reportLost: boolean;
  /** What happened when, in seconds after the campaign started: the device's side, then the row's. */
  timeline: string;
}

export interface CheckResult {
  /** durationS: completed_at − started_at, when the campaign has completed. */
  campaign: { status: string; durationS: number | null; abortReason: string | null };
  counters: Record<string, number>;
  groupBy: Record<string, number>;
  countersExact: boolean;
  /** Final reports a device published and got a PUBACK for, that the database does not hold at the end. */
  reportsLost: number;
  disagreements: number;
  byProblem: Partial<Record<Disagreement, number>>;
  /** The first disagreements, for the report. */
  examples: DeviceVerdict[];
  /** Commands beyond the first per device (allowed: at-least-once delivery and probes). */
  duplicateCommands: number;
  devicesCommandedMoreThanOnce: number;
  /** Devices that received no command, and that the database has as FAILED (their command never arrived). */
  neverCommandedFailed: number;
  /** Devices that received a command but whose row says dispatch_count = 0. */
  dispatchCountZeroButCommanded: number;
  deviceFinal: { success: number; failed: number; none: number };
  dbFinal: { success: number; failed: number; timedOut: number; other: number };
}

interface DbDevice {
  device_id: string;
  status: string;
  error_message: string | null;
  dispatch_count: number | null;
  fw_version: string | null;
  /** Epoch seconds, or null. */
  dispatched: number | null;
  last_report: number | null;
  completed: number | null;
  probed: number | null;
}

/** Counter column → the status it counts. */
const COUNTERS = Object.fromEntries(DEVICE_STATUSES.map((s) => [STATUS_COUNTER[s], s]));

export async function checkCampaign(
  sql: postgres.Sql,
  tenantId: string,
  campaignId: number,
  fleet: DeviceRecord[],
  /** Epoch ms the campaign started at (for the timelines). */
  t0: number,
): Promise<CheckResult> {
  const [c] = await sql<Record<string, unknown>[]>`
    SELECT status, extract(epoch FROM completed_at - started_at)::float8 AS duration_s, abort_reason, total_devices, pending, downloading, installing, succeeded, failed, skipped
    FROM ota_campaigns WHERE tenant_id = ${tenantId} AND id = ${campaignId}`;
  if (!c) throw new Error(`campaign ${campaignId} not found`);
  const grouped = await sql<{ status: string; n: number }[]>`
    SELECT status, count(*)::int AS n FROM ota_device_status
    WHERE tenant_id = ${tenantId} AND campaign_id = ${campaignId} GROUP BY status`;
  const groupBy: Record<string, number> = Object.fromEntries(grouped.map((g) => [g.status, g.n]));
  const counters: Record<string, number> = { total_devices: Number(c.total_devices) };
  const expected: Record<string, number> = { total_devices: grouped.reduce((n, g) => n + g.n, 0) };
  for (const [col, status] of Object.entries(COUNTERS)) {
    counters[col] = Number(c[col]);
    expected[col] = groupBy[status] ?? 0;
  }
  const countersExact = Object.keys(counters).every((k) => counters[k] === expected[k]);

  const rows = await sql<DbDevice[]>`
    SELECT s.device_id, s.status, s.error_message, s.dispatch_count, d.fw_version,
           extract(epoch FROM s.dispatched_at)::float8 AS dispatched,
           extract(epoch FROM s.last_report_at)::float8 AS last_report,
           extract(epoch FROM s.completed_at)::float8 AS completed,
           -- probed_at exists from migration 0005 on; read through jsonb so that the check runs on older schemas too
           extract(epoch FROM (to_jsonb(s) ->> 'probed_at')::timestamptz)::float8 AS probed
    FROM ota_device_status s
    LEFT JOIN devices d ON d.tenant_id = s.tenant_id AND d.device_id = s.device_id
    WHERE s.tenant_id = ${tenantId} AND s.campaign_id = ${campaignId}`;
  const byId = new Map(rows.map((r) => [r.device_id, r]));

  const out: CheckResult = {
    campaign: {
      status: String(c.status),
      durationS: c.duration_s === null ? null : Number(c.duration_s),
      abortReason: (c.abort_reason as string | null) ?? null,
    },
    counters: { ...counters },
    groupBy,
    countersExact,
    reportsLost: 0,
    disagreements: 0,
    byProblem: {},
    examples: [],
    duplicateCommands: 0,
    devicesCommandedMoreThanOnce: 0,
    neverCommandedFailed: 0,
    dispatchCountZeroButCommanded: 0,
    deviceFinal: { success: 0, failed: 0, none: 0 },
    dbFinal: { success: 0, failed: 0, timedOut: 0, other: 0 },
  };
  if (!countersExact)
    out.counters = {
      ...counters,
      ...Object.fromEntries(Object.entries(expected).map(([k, v]) => [`groupby_${k}`, v])),
    };

  for (const d of fleet) {
    const row = byId.get(d.deviceId);
    const commands = d.commands.get(campaignId) ?? 0;
    if (commands > 1) {
      out.duplicateCommands += commands - 1;
      out.devicesCommandedMoreThanOnce++;
    }
    if (d.final === "SUCCESS") out.deviceFinal.success++;
    else if (d.final === "FAILED") out.deviceFinal.failed++;
    else out.deviceFinal.none++;
    const db = row?.status ?? "(no row)";
    if (db === "SUCCESS") out.dbFinal.success++;
    else if (db === "FAILED" && row?.error_message?.startsWith("Timed out")) out.dbFinal.timedOut++;
    else if (db === "FAILED") out.dbFinal.failed++;
    else out.dbFinal.other++;
    if (commands > 0 && row && row.dispatch_count === 0) out.dispatchCountZeroButCommanded++;

    const problem = judge(d, commands, row);
    if (d.final && d.finalAcked && db !== d.final) out.reportsLost++;
    if (commands === 0 && db === "FAILED") out.neverCommandedFailed++;
    if (!problem) continue;
    out.disagreements++;
    out.byProblem[problem] = (out.byProblem[problem] ?? 0) + 1;
    if (out.examples.length < 12) {
      out.examples.push({
        deviceId: d.deviceId,
        device: d.final ?? (commands > 0 ? (d.busy ? "updating" : "no final report") : "never commanded"),
        db,
        dbError: row?.error_message ?? null,
        dbFwVersion: row?.fw_version ?? null,
        deviceVersion: d.version,
        commands,
        dispatchCount: row?.dispatch_count ?? null,
        problem,
        reportLost: !!(d.final && d.finalAcked && db !== d.final),
        timeline: timeline(d, row, t0),
      });
    }
  }
  return out;
}

function judge(d: DeviceRecord, commands: number, row: DbDevice | undefined): Disagreement | null {
  const db = row?.status;
  const fwAgrees = row?.fw_version === d.version;
  if (d.busy) return "device still updating";
  if (d.final === "SUCCESS") {
    if (db === "FAILED") return "false failure";
    if (db !== "SUCCESS") return "row not final";
    return fwAgrees ? null : "fw_version differs";
  }
  if (d.final === "FAILED") {
    if (db === "SUCCESS") return "false success";
    if (db !== "FAILED") return "row not final";
    return fwAgrees ? null : "fw_version differs";
  }
  // No final report: the device never received a command (or, impossible here, stopped mid-way).
  if (db === "SUCCESS") return commands === 0 ? "success never commanded" : "false success";
  if (commands > 0) return "device still updating";
  return fwAgrees ? null : "fw_version differs";
}

function timeline(d: DeviceRecord, row: DbDevice | undefined, t0: number): string {
  const at = (ms: number | null) => (ms === null ? "never" : `+${((ms - t0) / 1000).toFixed(1)} s`);
  const secs = (s: number | null) => (s === null ? "null" : at(s * 1000));
  const device = [
    `commands at ${d.commandsAt.map((t) => at(t)).join(", ") || "never"}`,
    `final ${d.final ?? "none"} sent ${at(d.finalSentAt)}, PUBACK ${at(d.finalAckedAt)}`,
  ];
  const db = row
    ? [
        `dispatched_at ${secs(row.dispatched)}`,
        `last_report_at ${secs(row.last_report)}`,
        `probed_at ${secs(row.probed)}`,
        `completed_at ${secs(row.completed)}`,
      ]
    : [];
  return `device: ${device.join("; ")} | row: ${db.join(", ")}`;
}
