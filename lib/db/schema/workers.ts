import { boolean, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per running worker process, rewritten every tick. `GET /health` reads it to
 * say whether anything is driving rollouts. Not tenant data: no RLS. A worker deletes
 * its row on a clean stop; rows of crashed workers age out (see lib/rollout/heartbeat.ts).
 */
export const workerHeartbeats = pgTable("worker_heartbeats", {
  workerId: text("worker_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  beatAt: timestamp("beat_at", { withTimezone: true }).notNull(),
  tickIntervalMs: integer("tick_interval_ms").notNull(),
  brokerConnected: boolean("broker_connected").notNull(),
  stats: jsonb("stats").$type<Record<string, number>>().notNull().default({}),
});

/**
 * Failed logins per key ("email:<address>" or "ip:<address>"), so that guessing slows
 * down and then locks for a while, across every web process. Not tenant data: no RLS.
 */
export const loginFailures = pgTable("login_failures", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  firstFailureAt: timestamp("first_failure_at", { withTimezone: true }).notNull().defaultNow(),
  lastFailureAt: timestamp("last_failure_at", { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp("locked_until", { withTimezone: true }),
});
