import path from "node:path";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { createDb } from "./client";
import { MIGRATION_LOCK } from "./locks";

/** Applies the committed SQL migrations in drizzle/; safe to call from several processes. */
export async function runMigrations(url: string, migrationsFolder = path.resolve("drizzle")): Promise<void> {
  const handle = createDb(url, { max: 1, name: "flotilla-migrate" });
  try {
    await handle.sql`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    await migrate(handle.db, { migrationsFolder });
    await handle.sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await handle.close();
  }
}
