import { sql } from "drizzle-orm";
import { pgPolicy } from "drizzle-orm/pg-core";

/**
 * The role that web requests run tenant queries as (`SET LOCAL ROLE`). It is not
 * a superuser, not the owner of any table and has no BYPASSRLS, so the policies
 * below actually bind it. Created by the migrations (see drizzle/0001_*.sql).
 */
export const APP_ROLE = "flotilla_app";

/**
 * The tenant-isolation policy, applied to every tenant table. `current_setting(…, true)`
 * returns NULL when no tenant is set, so a query without a tenant sees nothing.
 */
export const tenantIsolation = (table: string) =>
  pgPolicy(`${table}_tenant_isolation`, {
    as: "permissive",
    for: "all",
    using: sql`tenant_id = current_setting('app.tenant_id', true)`,
    withCheck: sql`tenant_id = current_setting('app.tenant_id', true)`,
  });
