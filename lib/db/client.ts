import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";

export type Db = PostgresJsDatabase<typeof schema>;
/** A database or a transaction: every domain function takes one as its first argument. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  sql: postgres.Sql;
  /** The connection URL, for a process that needs a connection of its own beside the pool. */
  url: string;
  close: () => Promise<void>;
}

/**
 * One pool per process (web and worker each make their own, with their own size,
 * and close it on SIGTERM). Timestamps come back as Date and go out as ISO 8601.
 */
export function createDb(url: string, opts: { max?: number; name?: string } = {}): DbHandle {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connection: { application_name: opts.name ?? "flotilla" },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, url, close: () => sql.end({ timeout: 5 }) };
}
