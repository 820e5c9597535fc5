import type postgres from "postgres";

/**
 * Every PostgreSQL advisory lock the application takes, so that no two uses share a key.
 *
 * PostgreSQL has two key spaces: one bigint, and pairs of int4 (distinct from each other).
 * Single keys: the migration and seed locks (small fixed numbers) and the ingest-session
 * leases (hashtextextended of the session name, which could only meet a fixed number by a
 * 1-in-2^64 chance). Pairs: (namespace, id), the namespace a fixed number below.
 */

/** Session lock: two processes starting at once apply migrations in turn instead of racing. */
export const MIGRATION_LOCK = 7_401_553;

/** Transaction lock: two processes seeding the demo at once take turns. */
export const SEED_LOCK = 7_401_554;

/**
 * Transaction lock (CAMPAIGN_CREATE_LOCK, hashtext(tenant)): campaign creations of one
 * tenant take turns, so that two overlapping campaigns cannot both claim a device as eligible.
 */
export const CAMPAIGN_CREATE_LOCK = 7_401_555;

/**
 * Transaction lock (DISPATCH_LOCK, campaign id) that orders publishing against stopping:
 * the worker's dispatch and probe transactions hold it shared while they publish; an abort
 * or a pause takes it exclusively before it changes anything, so it waits for the publishes
 * in progress, and no command goes out for the campaign after it commits.
 */
export const DISPATCH_LOCK = 7_401_556;

/**
 * Transaction lock (SIGNING_KEY_LOCK, hashtext(tenant)): a tenant's command-signing key
 * creations, rotations and retirements take turns, so that two first dispatches do not
 * each create a key, and two retirements cannot leave the tenant with none.
 */
export const SIGNING_KEY_LOCK = 7_401_557;

/**
 * The session lock key of an ingest session name (lib/rollout/ingest-session.ts): held for
 * as long as a worker uses that name. `name` is a value or an SQL expression.
 */
export const ingestSessionLockKey = (sql: postgres.Sql, name: string | postgres.Fragment) =>
  sql`hashtextextended(${name}, 0)`;
