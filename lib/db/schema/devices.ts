import { foreignKey, index, integer, pgTable, primaryKey, text, timestamp, varchar } from "drizzle-orm/pg-core";
import { tenantIsolation } from "./rls";
import { tenants } from "./tenants";

/** The device registry. `device_id` becomes an MQTT topic level and a URL segment. */
export const devices = pgTable(
  "devices",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    deviceId: varchar("device_id", { length: 64 }).notNull(),
    deviceType: varchar("device_type", { length: 50 }),
    fwVersion: varchar("fw_version", { length: 50 }),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // The device's MQTT password, as the SHA-256 of a 256-bit random secret (lib/ota/credentials.ts):
    // a secret that long needs no slow hash, and a fast one keeps a reconnect storm cheap.
    // Null: no credentials (revoked, or registered before device credentials existed).
    mqttSecretHash: varchar("mqtt_secret_hash", { length: 64 }),
    // Bumped at every issue, so that a broker's cache or provisioning can tell old credentials from new.
    credentialsVersion: integer("credentials_version").notNull().default(0),
    credentialsIssuedAt: timestamp("credentials_issued_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "devices_pkey", columns: [t.tenantId, t.deviceId] }),
    index("idx_devices_type").on(t.tenantId, t.deviceType),
    tenantIsolation("devices"),
  ],
);

export const deviceGroups = pgTable(
  "device_groups",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    groupId: varchar("group_id", { length: 64 }).notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    description: text("description"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "device_groups_pkey", columns: [t.tenantId, t.groupId] }),
    tenantIsolation("device_groups"),
  ],
);

export const deviceGroupMembers = pgTable(
  "device_group_members",
  {
    tenantId: text("tenant_id").notNull(),
    groupId: varchar("group_id", { length: 64 }).notNull(),
    deviceId: varchar("device_id", { length: 64 }).notNull(),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: "device_group_members_pkey", columns: [t.tenantId, t.groupId, t.deviceId] }),
    foreignKey({
      name: "device_group_members_group_fk",
      columns: [t.tenantId, t.groupId],
      foreignColumns: [deviceGroups.tenantId, deviceGroups.groupId],
    }).onDelete("cascade"),
    foreignKey({
      name: "device_group_members_device_fk",
      columns: [t.tenantId, t.deviceId],
      foreignColumns: [devices.tenantId, devices.deviceId],
    }).onDelete("cascade"),
    // "Which groups is this device in?" (device page, campaign eligibility).
    index("idx_device_group_members_device").on(t.tenantId, t.deviceId),
    tenantIsolation("device_group_members"),
  ],
);
