import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  unique,
  varchar,
} from "drizzle-orm/pg-core";
import { CANARY_PERCENT } from "../../rules/canary";
import { sqlLiterals } from "../../rules/sql";
import {
  CAMPAIGN_STATUSES,
  LIVE_DEVICE_STATUSES,
  DEVICE_STATUSES,
  type CampaignStatus,
  type DeviceStatus,
} from "../../rules/statuses";
import { firmwareVersions } from "./firmware";
import { tenantIsolation } from "./rls";
import { tenants } from "./tenants";

// The statuses live in lib/rules/statuses.ts; re-exported for the code that reads them with the schema.
export { CAMPAIGN_STATUSES, DEVICE_STATUSES, type CampaignStatus, type DeviceStatus };
export const ROLLOUT_STRATEGIES = ["linear", "canary"] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];
export const CAMPAIGN_PHASES = ["canary", "rollout"] as const;
export type CampaignPhase = (typeof CAMPAIGN_PHASES)[number];

/** The campaigns table of drizzle/0000_init.sql, column for column (later columns are added, never renamed). */
export const otaCampaigns = pgTable(
  "ota_campaigns",
  {
    id: serial("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    firmwareVersionId: integer("firmware_version_id").notNull(),
    targetGroupId: text("target_group_id").notNull(),
    rolloutStrategy: varchar("rollout_strategy", { length: 20 }).$type<RolloutStrategy>().notNull().default("linear"),
    rolloutRate: integer("rollout_rate").notNull().default(10),
    abortThreshold: doublePrecision("abort_threshold").notNull().default(0.1),
    status: varchar("status", { length: 20 }).$type<CampaignStatus>().notNull().default("CREATED"),
    totalDevices: integer("total_devices").notNull().default(0),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: text("created_by"),
    // ── Added by the rollout engine (migration 0002) ──
    // canary: the first canarySize(eligible, canary_percent) eligible devices (lib/rules/canary.ts),
    // flagged on their rows at creation; canary_size is that count.
    canaryPercent: integer("canary_percent").notNull().default(5),
    canarySize: integer("canary_size").notNull().default(0),
    phase: varchar("phase", { length: 20 }).$type<CampaignPhase>().notNull().default("rollout"),
    // Auto-abort looks at the failure rate only once this many devices have finished
    // (capped at eligible_devices), so that one early failure cannot abort a fleet.
    abortMinDevices: integer("abort_min_devices").notNull().default(10),
    abortReason: text("abort_reason"),
    deviceTimeoutSeconds: integer("device_timeout_seconds").notNull().default(1800),
    maxInFlight: integer("max_in_flight"),
    eligibleDevices: integer("eligible_devices").notNull().default(0),
    // Exact per-status counters (with succeeded and failed above), kept by statement-level
    // triggers on ota_device_status (migration 0003): every statement that changes device
    // rows changes these in the same transaction, so reading them is O(1) and never stale.
    pending: integer("pending").notNull().default(0),
    downloading: integer("downloading").notNull().default(0),
    installing: integer("installing").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    // The last tick slot (floor(epoch ms / tick interval)) in which a worker dispatched for
    // this campaign, set under the campaign row lock: one dispatch per slot, however many workers.
    lastDispatchSlot: bigint("last_dispatch_slot", { mode: "number" }),
  },
  (t) => [
    check(
      "ota_campaigns_rollout_strategy_check",
      sql`${t.rolloutStrategy} IN (${sql.raw(sqlLiterals(ROLLOUT_STRATEGIES))})`,
    ),
    check("ota_campaigns_status_check", sql`${t.status} IN (${sql.raw(sqlLiterals(CAMPAIGN_STATUSES))})`),
    check("ota_campaigns_phase_check", sql`${t.phase} IN (${sql.raw(sqlLiterals(CAMPAIGN_PHASES))})`),
    check(
      "ota_campaigns_canary_percent_check",
      sql`${t.canaryPercent} BETWEEN ${sql.raw(String(CANARY_PERCENT.min))} AND ${sql.raw(String(CANARY_PERCENT.max))}`,
    ),
    check("ota_campaigns_abort_min_devices_check", sql`${t.abortMinDevices} >= 1`),
    check("ota_campaigns_device_timeout_check", sql`${t.deviceTimeoutSeconds} >= 1`),
    check("ota_campaigns_max_in_flight_check", sql`${t.maxInFlight} IS NULL OR ${t.maxInFlight} >= 1`),
    // The original firmware FK (ON DELETE RESTRICT), with the tenant in the key: foreign keys ignore
    // RLS, so this is what stops a campaign from naming another tenant's firmware.
    foreignKey({
      name: "ota_campaigns_firmware_fk",
      columns: [t.tenantId, t.firmwareVersionId],
      foreignColumns: [firmwareVersions.tenantId, firmwareVersions.id],
    }).onDelete("restrict"),
    unique("uq_ota_campaigns_tenant_id").on(t.tenantId, t.id),
    index("idx_ota_campaigns_tenant").on(t.tenantId),
    index("idx_ota_campaigns_status").on(t.tenantId, t.status),
    tenantIsolation("ota_campaigns"),
  ],
);

/** The per-device status table of drizzle/0000_init.sql, column for column. */
export const otaDeviceStatus = pgTable(
  "ota_device_status",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tenantId: text("tenant_id").notNull(),
    campaignId: integer("campaign_id").notNull(),
    deviceId: varchar("device_id").notNull(),
    status: varchar("status", { length: 20 }).$type<DeviceStatus>().notNull().default("PENDING"),
    progressPct: integer("progress_pct").notNull().default(0),
    errorMessage: text("error_message"),
    startedAt: timestamp("started_at", { withTimezone: true }),
    completedAt: timestamp("completed_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // ── Added by the rollout engine (migration 0002) ──
    canary: boolean("canary").notNull().default(false),
    // Any report from the device (or its dispatch) sets this; in-flight devices silent for
    // the campaign's device_timeout_seconds become FAILED.
    lastReportAt: timestamp("last_report_at", { withTimezone: true }),
    // How many commands the broker has acknowledged for this row (more than one only
    // across a worker crash or a lost acknowledgement), and when the last one went out.
    dispatchCount: integer("dispatch_count").notNull().default(0),
    dispatchedAt: timestamp("dispatched_at", { withTimezone: true }),
    // ── Added by durable ingestion (migration 0005) ──
    // Before a silent device is timed out, its command is sent again (a probe: the device
    // answers a repeated command with its latest report). probed_at is when the broker
    // acknowledged the last probe; the device is timed out only if nothing came since.
    probedAt: timestamp("probed_at", { withTimezone: true }),
    probeCount: integer("probe_count").notNull().default(0),
  },
  (t) => [
    check("ota_device_status_status_check", sql`${t.status} IN (${sql.raw(sqlLiterals(DEVICE_STATUSES))})`),
    check("ota_device_status_progress_pct_check", sql`${t.progressPct} >= 0 AND ${t.progressPct} <= 100`),
    // The original campaign FK (ON DELETE CASCADE), with the tenant in the key (see above).
    foreignKey({
      name: "ota_device_status_campaign_fk",
      columns: [t.tenantId, t.campaignId],
      foreignColumns: [otaCampaigns.tenantId, otaCampaigns.id],
    }).onDelete("cascade"),
    unique("uq_ota_device_campaign").on(t.tenantId, t.campaignId, t.deviceId),
    // The device pages: a campaign's rows in (created_at, id) order, all of them or one
    // status's, so that a page is an index range, not a sort of the whole campaign.
    index("idx_ota_device_status_page").on(t.tenantId, t.campaignId, t.createdAt, t.id),
    index("idx_ota_device_status_status_page").on(t.tenantId, t.campaignId, t.status, t.createdAt, t.id),
    // Partial indexes over the two small moving sets: the claim walks PENDING rows in id
    // order (canary rows first); timeouts and max_in_flight look at the in-flight rows.
    // Neither contains a column that progress reports change, so those stay HOT updates.
    index("idx_ota_device_status_claimable")
      .on(t.tenantId, t.campaignId, t.id)
      .where(sql`status = 'PENDING'`),
    index("idx_ota_device_status_in_flight")
      .on(t.tenantId, t.campaignId)
      .where(sql`status IN (${sql.raw(sqlLiterals(LIVE_DEVICE_STATUSES))})`),
    index("idx_ota_device_status_device").on(t.tenantId, t.deviceId),
    tenantIsolation("ota_device_status"),
  ],
);
