import { sql } from "drizzle-orm";
import {
  bigint,
  customType,
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
import { tenantIsolation } from "./rls";
import { tenants } from "./tenants";

/** Task 1's firmware registry, column for column. */
export const firmwareVersions = pgTable(
  "firmware_versions",
  {
    id: serial("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    version: varchar("version", { length: 50 }).notNull(),
    description: text("description"),
    fileUrl: text("file_url").notNull(),
    fileSizeBytes: bigint("file_size_bytes", { mode: "number" }),
    checksumSha256: varchar("checksum_sha256", { length: 64 }),
    deviceType: varchar("device_type", { length: 50 }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: text("created_by"),
  },
  (t) => [
    // NULLS NOT DISTINCT (a deliberate change from task 1): two firmware with the same
    // version and no device type are the same firmware, so the second must conflict.
    // Lets other tables reference (tenant_id, id), so a row can never point at another tenant's firmware.
    unique("uq_firmware_versions_tenant_id").on(t.tenantId, t.id),
    unique("uq_firmware_tenant_version").on(t.tenantId, t.version, t.deviceType).nullsNotDistinct(),
    index("idx_firmware_versions_tenant").on(t.tenantId),
    index("idx_firmware_versions_device_type").on(t.tenantId, t.deviceType),
    tenantIsolation("firmware_versions"),
  ],
);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => "bytea",
});

/**
 * Binaries that Flotilla stores itself (uploads, the demo firmware). Kept in
 * PostgreSQL so that every web process serves the same bytes with no shared
 * disk; the column's storage is EXTERNAL (uncompressed, see the migration) so
 * that a Range request reads only the slice it asks for.
 */
export const firmwareFiles = pgTable(
  "firmware_files",
  {
    firmwareId: integer("firmware_id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull(),
    sha256: varchar("sha256", { length: 64 }).notNull(),
    content: bytea("content").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Foreign keys ignore RLS: naming the tenant in the key keeps a file with its own tenant's firmware.
    foreignKey({
      name: "firmware_files_firmware_fk",
      columns: [t.tenantId, t.firmwareId],
      foreignColumns: [firmwareVersions.tenantId, firmwareVersions.id],
    }).onDelete("cascade"),
    tenantIsolation("firmware_files"),
  ],
);

