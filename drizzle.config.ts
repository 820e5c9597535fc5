import { defineConfig } from "drizzle-kit";

// `drizzle-kit generate` works offline from the schema; migrations are applied by scripts/migrate.ts.
export default defineConfig({
  dialect: "postgresql",
  schema: "./lib/db/schema/index.ts",
  out: "./drizzle",
  entities: { roles: false },
});
