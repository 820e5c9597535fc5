import { bigint, index, pgTable, serial, text, timestamp, unique, varchar } from "drizzle-orm/pg-core";
import { tenantIsolation } from "./rls";
import { tenants } from "./tenants";

/** The firmware registry of drizzle/0000_init.sql, column for column. */
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
    // Where Flotilla keeps the binary under FIRMWARE_DIR (lib/ota/storage.ts); null for
    // firmware registered by an external URL. A key, never a URL: PUBLIC_URL may change.
    storageKey: text("storage_key"),
    // The operator's detached Ed25519 signature (base64url) over the image's SHA-256 (its 64
    // lowercase hex characters, as ASCII), and the release key that made it. Passed to devices
    // in the manifest; checked at upload when the tenant requires signed firmware.
    releaseSignature: varchar("release_signature", { length: 128 }),
    releaseKid: varchar("release_kid", { length: 64 }),
  },
  (t) => [
    // NULLS NOT DISTINCT (deliberate; see docs/architecture.md): two firmware with the same
    // version and no device type are the same firmware, so the second must conflict.
    // Lets other tables reference (tenant_id, id), so a row can never point at another tenant's firmware.
    unique("uq_firmware_versions_tenant_id").on(t.tenantId, t.id),
    unique("uq_firmware_tenant_version").on(t.tenantId, t.version, t.deviceType).nullsNotDistinct(),
    index("idx_firmware_versions_tenant").on(t.tenantId),
    index("idx_firmware_versions_device_type").on(t.tenantId, t.deviceType),
    tenantIsolation("firmware_versions"),
  ],
);
