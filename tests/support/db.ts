import { randomBytes } from "node:crypto";
import { createDb, type DbHandle } from "@/lib/db/client";
import { tenants, users, type Role } from "@/lib/db/schema";
import { hashPassword } from "@/lib/auth/password";

/** A database handle as the connecting (owner) user, for arranging and inspecting test data. */
export function testDb(): DbHandle {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run the tests with `npm test` or `npx vitest`.");
  return createDb(url, { max: 6, name: "flotilla-test" });
}

/**
 * Every table that holds tenant rows (each has tenant_id and a row-level security policy):
 * the tables the fuzz's "nothing changed" check compares, and the RLS test looks through.
 * tests/integration/rls.test.ts fails when a table with a tenant_id column is missing here.
 */
export const TENANT_TABLES = [
  "tenants",
  "users",
  "devices",
  "device_groups",
  "device_group_members",
  "firmware_versions",
  "ota_campaigns",
  "ota_device_status",
  "tenant_signing_keys",
  "release_keys",
] as const;

export interface TestTenant {
  tenantId: string;
  password: string;
  users: Record<Role, { id: number; email: string }>;
}

let hashed: Promise<string> | undefined;

/** A tenant of its own for one test, with one user per role: tests never share data. */
export async function createTestTenant(handle: DbHandle, label = "t"): Promise<TestTenant> {
  const tenantId = `${label}-${randomBytes(5).toString("hex")}`;
  const password = "test-password-1";
  hashed ??= hashPassword(password);
  const passwordHash = await hashed;
  await handle.db.insert(tenants).values({ tenantId, name: `Tenant ${tenantId}` });
  const rows = await handle.db
    .insert(users)
    .values(
      (["admin", "operator", "viewer"] as const).map((role) => ({
        tenantId,
        role,
        email: `${role}@${tenantId}.test`,
        passwordHash,
      })),
    )
    .returning({ id: users.id, email: users.email, role: users.role });
  const byRole = Object.fromEntries(rows.map((r) => [r.role, { id: r.id, email: r.email }])) as TestTenant["users"];
  return { tenantId, password, users: byRole };
}
