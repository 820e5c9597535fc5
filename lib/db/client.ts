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

/**
 * postgres.js 3.4.9 can throw from a setImmediate callback when a connection closes while
 * a small write is scheduled (a database restart): `TypeError: Cannot read properties of
 * null (reading 'write')` at `nextWrite` (porsager/postgres#1154, #1208; fixes #1168 and
 * #1209 are not released). It escapes every try/catch and would end the process in the
 * middle of a database restart. The pool opens a new connection, and a query that waited on
 * the closed one is bounded by the worker's own timeouts (the intake retries a batch not
 * written in time; a tick that hangs is let go), so the worker and the web server
 * (scripts/web-server.ts) log this one error and go on; any other uncaught error still ends them.
 */
export function isPostgresClosedSocketWrite(err: unknown): boolean {
  return (
    err instanceof TypeError &&
    /reading 'write'/.test(err.message) &&
    /nextWrite/.test(err.stack ?? "") &&
    /[\\/]postgres[\\/]/.test(err.stack ?? "")
  );
}
