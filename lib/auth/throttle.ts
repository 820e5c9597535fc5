import { sql, type SQL } from "drizzle-orm";
import type { Db } from "@/lib/db/client";

/**
 * The login throttle: repeated failed logins slow down, then lock for a while.
 *
 * Rules (LOGIN_THROTTLE holds the figures):
 * - Every attempt has two keys: `email:<lower-cased email>` (the account, whether or not it
 *   exists: unknown emails are throttled exactly like known ones, so neither the answer nor
 *   its timing says which exist) and `ip:<client address>`.
 * - Only failed attempts count. A malformed request (413, 422) is refused before the
 *   throttle and costs no password hash.
 * - Each key has free failures: 5 for an account, 50 for an address (an office behind one
 *   NAT shares an address and must not be locked by one colleague's typos).
 * - Each failure beyond them locks the key: 1 s, doubling with every further failure, at
 *   most 15 minutes.
 * - While either key of an attempt is locked, the attempt is refused at once (429 with
 *   Retry-After) before the user is looked up or any password hash is computed, and it is
 *   not counted: waiting out the lock is enough, and hammering does not extend it.
 * - A key forgets its failures 15 minutes after its last failure, or after its lock ended
 *   if that is later: a persistent guesser gets one guess per 15 minutes, not a fresh
 *   batch of free ones.
 * - A successful login deletes its account's key and does not count against its address.
 * - An attempt is counted as a failure before the password is verified, in the same
 *   statement that checks the locks, and the count is taken back if it succeeds. So N
 *   concurrent guesses at one key cannot all pass the check before the first failure is
 *   written: row locks order them, and at most free + 1 of them compute a hash.
 *
 * So a lock is bounded and expires on its own: a real user whose account is being guessed
 * at waits at most 15 minutes after the guessing stops. The state lives in login_failures,
 * shared by every web process; rows nobody has touched for 15 minutes are pruned now and
 * then by the attempts themselves.
 */
export interface ThrottlePolicy {
  accountFreeFailures: number;
  addressFreeFailures: number;
  firstLockSeconds: number;
  maxLockSeconds: number;
  /** A key's failures are forgotten this long after its last failure (or the end of its lock). */
  forgetAfterSeconds: number;
  /** Chance that an attempt also deletes forgotten rows (up to PRUNE_BATCH of them). */
  pruneProbability: number;
}

export const LOGIN_THROTTLE: ThrottlePolicy = {
  accountFreeFailures: 5,
  addressFreeFailures: 50,
  firstLockSeconds: 1,
  maxLockSeconds: 15 * 60,
  forgetAfterSeconds: 15 * 60,
  pruneProbability: 1 / 32,
};

const PRUNE_BATCH = 1000;

export interface ThrottleKeys {
  account: string;
  address: string;
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/** The two keys of a login attempt (the email is lower-cased here too, whoever calls). */
export function throttleKeys(email: string, address: string): ThrottleKeys {
  return { account: `email:${email.trim().toLowerCase()}`, address: `ip:${address}` };
}

/** How long a key is locked after its n-th failure: none within the free ones, then doubling. */
export function lockSecondsAfter(failures: number, free: number, p: ThrottlePolicy = LOGIN_THROTTLE): number {
  if (failures <= free) return 0;
  return Math.min(p.maxLockSeconds, p.firstLockSeconds * 2 ** Math.min(failures - free - 1, 30));
}

// The same rule as lockSecondsAfter, for the statement below (tests/integration/auth-throttle.test.ts
// checks that the two agree).
const lockUntil = (
  n: SQL,
  free: SQL,
  p: ThrottlePolicy,
) => sql`CASE WHEN ${n} > ${free} THEN now() + make_interval(secs =>
  least(${p.maxLockSeconds}::float8, ${p.firstLockSeconds}::float8 * power(2::float8, least(${n} - ${free} - 1, 30)))) END`;

/**
 * Admits a login attempt, counting it as a failure in advance (attemptSucceeded takes that
 * back), or refuses it with the seconds until the longer of its keys' locks ends.
 * One statement: read the locks, and upsert both keys only if neither is locked.
 */
export async function admitAttempt(db: Db, keys: ThrottleKeys, p: ThrottlePolicy = LOGIN_THROTTLE): Promise<Admission> {
  const free = sql`(CASE WHEN f.key LIKE 'ip:%' THEN ${p.addressFreeFailures}::int ELSE ${p.accountFreeFailures}::int END)`;
  const stale = sql`greatest(f.last_failure_at, coalesce(f.locked_until, f.last_failure_at)) <= now() - make_interval(secs => ${p.forgetAfterSeconds}::float8)`;
  const n = sql`(CASE WHEN ${stale} THEN 1 ELSE f.failures + 1 END)`;
  const rows = await db.execute<{ retry: number | null; counted: number }>(sql`
    WITH input(key, free) AS (
      VALUES (${keys.account}::text, ${p.accountFreeFailures}::int), (${keys.address}::text, ${p.addressFreeFailures}::int)
    ), blocked AS (
      SELECT max(locked_until) AS until FROM login_failures
      WHERE key IN (${keys.account}, ${keys.address}) AND locked_until > now()
    ), counted AS (
      INSERT INTO login_failures AS f (key, failures, first_failure_at, last_failure_at, locked_until)
      SELECT i.key, 1, now(), now(), ${lockUntil(sql`1`, sql`i.free`, p)}
      FROM input i WHERE (SELECT until FROM blocked) IS NULL
      ON CONFLICT (key) DO UPDATE SET
        failures = ${n},
        first_failure_at = CASE WHEN ${stale} THEN now() ELSE f.first_failure_at END,
        last_failure_at = now(),
        locked_until = ${lockUntil(n, free, p)}
      -- Re-checked on the latest row version: a lock written by a concurrent attempt since
      -- this statement's snapshot still refuses this one.
      WHERE f.locked_until IS NULL OR f.locked_until <= now()
      RETURNING f.key
    )
    SELECT ceil(extract(epoch FROM (SELECT until FROM blocked) - now()))::int AS retry,
           (SELECT count(*) FROM counted)::int AS counted`);
  const row = rows[0]!;
  if (row.retry !== null) return { admitted: false, retryAfterSeconds: Math.max(1, row.retry) };
  if (row.counted < 2) {
    // Lost a race with a concurrent attempt that locked a key after our snapshot. The other
    // key (if counted) keeps this attempt's count: refused attempts are not taken back.
    return { admitted: false, retryAfterSeconds: await secondsLocked(db, keys) };
  }
  if (Math.random() < p.pruneProbability) await pruneLoginFailures(db, p);
  return { admitted: true };
}

/** A login succeeded: the account's failures are forgotten, and the address's advance count is taken back. */
export async function attemptSucceeded(db: Db, keys: ThrottleKeys, p: ThrottlePolicy = LOGIN_THROTTLE): Promise<void> {
  await db.execute(sql`
    WITH cleared AS (DELETE FROM login_failures WHERE key = ${keys.account})
    UPDATE login_failures
    SET failures = greatest(failures - 1, 0),
        -- Back within the free failures: the lock this attempt's count set (if any) goes too.
        locked_until = CASE WHEN failures - 1 > ${p.addressFreeFailures}::int THEN locked_until END
    WHERE key = ${keys.address}`);
}

/** Seconds until the later lock of the two keys ends (at least 1). */
async function secondsLocked(db: Db, keys: ThrottleKeys): Promise<number> {
  const rows = await db.execute<{ retry: number | null }>(sql`
    SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS retry FROM login_failures
    WHERE key IN (${keys.account}, ${keys.address}) AND locked_until > now()`);
  return Math.max(1, rows[0]?.retry ?? 1);
}

/**
 * Deletes up to PRUNE_BATCH rows whose failures are forgotten anyway (nothing for 15
 * minutes and no lock running). Bounded, so that a flood of keys (e.g. forged addresses)
 * costs each pruning attempt one short scan, not one of the whole table.
 */
export async function pruneLoginFailures(db: Db, p: ThrottlePolicy = LOGIN_THROTTLE): Promise<number> {
  const rows = await db.execute<{ key: string }>(sql`
    DELETE FROM login_failures WHERE key IN (
      SELECT key FROM login_failures
      WHERE greatest(last_failure_at, coalesce(locked_until, last_failure_at)) <= now() - make_interval(secs => ${p.forgetAfterSeconds}::float8)
      LIMIT ${PRUNE_BATCH}
    ) RETURNING key`);
  return rows.length;
}
