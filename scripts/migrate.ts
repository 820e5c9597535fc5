/** `npm run migrate`: applies drizzle/ to DATABASE_URL (for production against a real PostgreSQL). */
import { requireDatabaseUrl } from "@/lib/config";
import { runMigrations } from "@/lib/db/migrate";

await runMigrations(requireDatabaseUrl());
console.log("migrations applied");
