import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from "drizzle-orm/pg-core";
import { tenantIsolation } from "./rls";

export const tenants = pgTable(
  "tenants",
  {
    tenantId: text("tenant_id").primaryKey(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // When on, firmware must carry a release signature by one of the tenant's release keys.
    requireSignedFirmware: boolean("require_signed_firmware").notNull().default(false),
  },
  () => [tenantIsolation("tenants")],
);

/**
 * The tenant's Ed25519 keys for signing update manifests (lib/rollout/manifest.ts). Every
 * unretired key is in the tenant's JWKS; the most recently activated one signs. A rotation
 * stages a new key first, so that devices can be given it before it signs anything. The private key is encrypted at rest
 * (AES-256-GCM under a key derived from AUTH_SECRET; lib/ota/signing-keys.ts).
 */
export const tenantSigningKeys = pgTable(
  "tenant_signing_keys",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    // RFC 7638 thumbprint of the public key.
    kid: varchar("kid", { length: 64 }).notNull(),
    // The public key's "x" (base64url), as in its JWK.
    publicX: varchar("public_x", { length: 64 }).notNull(),
    privateKeyEnc: text("private_key_enc").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    // Null while the key is staged: published in the JWKS (so devices provisioned from now
    // on trust it) but not yet signing. The most recently activated unretired key signs.
    activatedAt: timestamp("activated_at", { withTimezone: true }),
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ name: "tenant_signing_keys_pkey", columns: [t.tenantId, t.kid] }),
    tenantIsolation("tenant_signing_keys"),
  ],
);

/**
 * The operator's own release public keys (Ed25519). The private halves never reach
 * Flotilla: the operator's build pipeline signs each image offline (npm run sign-firmware).
 */
export const releaseKeys = pgTable(
  "release_keys",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    kid: varchar("kid", { length: 64 }).notNull(),
    name: varchar("name", { length: 100 }).notNull(),
    publicX: varchar("public_x", { length: 64 }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    createdBy: text("created_by"),
    retiredAt: timestamp("retired_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ name: "release_keys_pkey", columns: [t.tenantId, t.kid] }), tenantIsolation("release_keys")],
);

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const users = pgTable(
  "users",
  {
    id: serial("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.tenantId, { onDelete: "cascade" }),
    // Stored lower-cased; unique across all tenants because login starts from the email alone.
    email: varchar("email", { length: 254 }).notNull(),
    name: text("name"),
    role: varchar("role", { length: 20 }).$type<Role>().notNull().default("viewer"),
    // scrypt: "scrypt$N$r$p$salt$hash" (see lib/auth/password.ts)
    passwordHash: text("password_hash").notNull(),
    // Every token carries the version it was signed at; a change of role or password
    // bumps it (trigger in migration 0005), so older tokens stop working at once.
    tokenVersion: integer("token_version").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("uq_users_email").on(t.email),
    index("idx_users_tenant").on(t.tenantId),
    check("users_role_check", sql`${t.role} IN ('admin', 'operator', 'viewer')`),
    check("users_email_lower", sql`${t.email} = lower(${t.email})`),
    tenantIsolation("users"),
  ],
);
