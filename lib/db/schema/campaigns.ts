import { sql } from "drizzle-orm";
import {
  bigserial,
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
import { firmwareVersions } from "./firmware";
import { tenantIsolation } from "./rls";
import { tenants } from "./tenants";

export const CAMPAIGN_STATUSES = ["CREATED", "RUNNING", "PAUSED", "COMPLETED", "ABORTED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const ROLLOUT_STRATEGIES = ["linear", "canary"] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];
export const DEVICE_STATUSES = [
  "PENDING",
  "DOWNLOADING",
  "INSTALLING",
  "SUCCESS",
  "FAILED",
  "SKIPPED",
] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** Task 1's campaigns table, column for column (later columns are added, never renamed). */
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
    rolloutStrategy: varchar("rollout_strategy", { length: 20 })
      .$type<RolloutStrategy>()
      .notNull()
      .default("linear"),
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
  },
  (t) => [
    check("ota_campaigns_rollout_strategy_check", sql`${t.rolloutStrategy} IN ('linear', 'canary')`),
    check(
      "ota_campaigns_status_check",
      sql`${t.status} IN ('CREATED', 'RUNNING', 'PAUSED', 'COMPLETED', 'ABORTED')`,
    ),
    // Task 1's firmware FK (ON DELETE RESTRICT), with the tenant in the key: foreign keys ignore
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

/** Task 1's per-device status table, column for column. */
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
  },
  (t) => [
    check(
      "ota_device_status_status_check",
      sql`${t.status} IN ('PENDING', 'DOWNLOADING', 'INSTALLING', 'SUCCESS', 'FAILED', 'SKIPPED')`,
    ),
    check("ota_device_status_progress_pct_check", sql`${t.progressPct} >= 0 AND ${t.progressPct} <= 100`),
    // Task 1's campaign FK (ON DELETE CASCADE), with the tenant in the key (see above).
    foreignKey({
      name: "ota_device_status_campaign_fk",
      columns: [t.tenantId, t.campaignId],
      foreignColumns: [otaCampaigns.tenantId, otaCampaigns.id],
    }).onDelete("cascade"),
    unique("uq_ota_device_campaign").on(t.tenantId, t.campaignId, t.deviceId),
    index("idx_ota_device_status_campaign").on(t.tenantId, t.campaignId),
    // Partial index: the claim query scans only PENDING rows, and this keeps that b-tree small.
    index("idx_ota_device_status_pending")
      .on(t.tenantId, t.campaignId, t.status)
      .where(sql`status = 'PENDING'`),
    index("idx_ota_device_status_device").on(t.tenantId, t.deviceId),
    tenantIsolation("ota_device_status"),
  ],
);
