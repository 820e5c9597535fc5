import { sql } from "drizzle-orm";
import type { Db, Tx } from "./client";
import { APP_ROLE } from "./schema/rls";

/**
 * Runs `fn` in a transaction as the RLS-bound role, with app.tenant_id set for
 * this transaction only. This is the only way web requests reach tenant data;
 * the policies then hold even for a query that forgets its tenant filter.
 */
export async function withTenant<T>(db: Db, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // Both in one round trip: set_config('role', …, true) is SET LOCAL ROLE.
    await tx.execute(sql`SELECT set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true)`);
    return fn(tx);
  });
}
