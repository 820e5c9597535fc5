import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, serial, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { tenantIsolation } from "./rls";

export const tenants = pgTable(
  "tenants",
  {
    tenantId: text("tenant_id").primaryKey(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  () => [tenantIsolation("tenants")],
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
