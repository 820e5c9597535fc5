import { config, requireDatabaseUrl } from "@/lib/config";
import { createDb, type DbHandle } from "./client";

// One pool for the web process, kept on globalThis so that dev-mode reloads do not leak pools.
const g = globalThis as unknown as { __flotillaWebDb?: DbHandle };

export function webDb(): DbHandle {
  g.__flotillaWebDb ??= createDb(requireDatabaseUrl(), { max: config().DB_POOL_SIZE, name: "flotilla-web" });
  return g.__flotillaWebDb;
}
