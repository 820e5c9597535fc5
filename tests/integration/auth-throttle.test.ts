/**
 * The login throttle (lib/auth/throttle.ts) through the real route handlers and real
 * PostgreSQL. Every test uses addresses (X-Forwarded-For) and emails of its own, so that
 * test files running in parallel on the same database never share a throttle key.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// verifyPassword is wrapped (not replaced) so that a test can see whether a hash was computed.
vi.mock("@/lib/auth/password", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/auth/password")>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});

import { POST as loginForm } from "@/app/auth/login/route";
import { POST as token } from "@/app/auth/token/route";
import { authenticate } from "@/lib/auth/login";
import { SESSION_COOKIE } from "@/lib/auth/token";
import { verifyPassword } from "@/lib/auth/password";
import {
  admitAttempt,
  LOGIN_THROTTLE,
  lockSecondsAfter,
  pruneLoginFailures,
  throttleKeys,
  type ThrottlePolicy,
} from "@/lib/auth/throttle";
import { authTokenRequest } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
let t: TestTenant;
const verify = vi.mocked(verifyPassword);

/** A fresh client address (TEST-NET-3, RFC 5737, plus a random suffix so reruns never collide). */
const newAddress = () => `203.0.113.${1 + (randomBytes(1)[0]! % 254)}-${randomBytes(4).toString("hex")}`;
const unknownEmail = () => `nobody-${randomBytes(5).toString("hex")}@throttle.test`;

const tokenRequest = (email: string, password: string, address: string) =>
  token(authTokenRequest({ email, password }, { "x-forwarded-for": address }));

async function answer(res: Response) {
  return { status: res.status, body: await res.json(), headers: Object.fromEntries(res.headers.entries()) };
}

async function row(key: string) {
  const [r] = await handle.sql<{ failures: number; locked: boolean; lock_seconds: number | null }[]>`
    SELECT failures, coalesce(locked_until > now(), false) AS locked,
           extract(epoch FROM locked_until - last_failure_at)::float8 AS lock_seconds
    FROM login_failures WHERE key = ${key}`;
  return r;
}

/** Ends every lock on these keys, as if their time had passed. */
async function expireLocks(...keys: string[]) {
  await handle.sql`UPDATE login_failures SET locked_until = now() - interval '1 second' WHERE key IN ${handle.sql(keys)}`;
}

beforeAll(async () => {
  t = await createTestTenant(handle, "throttle");
});
afterAll(() => handle.close());
beforeEach(() => {
  verify.mockClear(); // (a function returned from beforeEach would be run as its teardown)
});

describe("POST /auth/token under the login throttle", () => {
  it("answers 401 for 5 + 1 failures, then 429 with Retry-After in the API's error shape, even for the right password", async () => {
    const address = newAddress();
    const email = t.users.operator.email;
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_THROTTLE.accountFreeFailures + 1; i++)
      statuses.push((await tokenRequest(email, "wrong", address)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    // The 6th failure locked the account for 1 s (failures beyond the 5 free ones).
    const locked = await answer(await tokenRequest(email, "wrong", address));
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({ detail: "Too many failed logins; try again later", code: "too_many_requests" });
    expect(locked.headers["retry-after"]).toBe("1");
    expect(await row(`email:${email}`)).toMatchObject({ failures: 6, lock_seconds: 1 });

    // While a (longer) lock runs, the right password is refused too: it cannot be checked
    // without a hash. Refused attempts do not count: hammering does not extend the lock.
    await handle.sql`UPDATE login_failures SET locked_until = now() + interval '60 seconds' WHERE key = ${`email:${email}`}`;
    const right = await tokenRequest(email, t.password, address);
    expect(right.status).toBe(429);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(55);
    expect(await row(`email:${email}`)).toMatchObject({ failures: 6, locked: true });
    await expireLocks(`email:${email}`);
  });

  it("treats an unknown email exactly like a known one: same statuses, bodies and headers (no oracle)", async () => {
    const run = async (email: string) => {
      const address = newAddress();
      const out = [];
      for (let i = 0; i < LOGIN_THROTTLE.accountFreeFailures + 3; i++)
        out.push(await answer(await tokenRequest(email, "wrong-password", address)));
      return out;
    };
    const known = await run(t.users.viewer.email);
    const unknown = await run(unknownEmail());
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);
    expect(unknown).toEqual(known);
    await expireLocks(`email:${t.users.viewer.email}`);
  });

  it("refuses a locked attempt before any password hash is computed or the user is looked up", async () => {
    const address = newAddress();
    const email = unknownEmail();
    for (let i = 0; i < 6; i++) await tokenRequest(email, "wrong", address);
    expect(verify).toHaveBeenCalledTimes(6);
    verify.mockClear();
    const started = performance.now();
    const res = await tokenRequest(email, "wrong", address);
    expect(res.status).toBe(429);
    expect(verify).not.toHaveBeenCalled();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("lets a burst of concurrent guesses compute at most free + 1 hashes", async () => {
    const address = newAddress();
    const email = t.users.admin.email;
    const answers = await Promise.all(Array.from({ length: 20 }, () => tokenRequest(email, "guess", address)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(6);
    expect(statuses.filter((s) => s === 429)).toHaveLength(14);
    expect(verify).toHaveBeenCalledTimes(6);
    await expireLocks(`email:${email}`);
  });

  it("unlocks when the lock expires, and the next failure locks for twice as long", async () => {
    const address = newAddress();
    const email = unknownEmail();
    for (let i = 0; i < 6; i++) await tokenRequest(email, "wrong", address);
    expect((await tokenRequest(email, "wrong", address)).status).toBe(429);
    await expireLocks(`email:${email}`);
    // Admitted again: a 401, and failure 7 locks for 2 s.
    expect((await tokenRequest(email, "wrong", address)).status).toBe(401);
    expect(await row(`email:${email}`)).toMatchObject({ failures: 7, locked: true, lock_seconds: 2 });
    expect((await tokenRequest(email, "wrong", address)).status).toBe(429);
  });

  it("forgets a real account's failures on success, and does not count the success against the address", async () => {
    const address = newAddress();
    const email = t.users.operator.email;
    await expireLocks(`email:${email}`);
    await handle.sql`DELETE FROM login_failures WHERE key = ${`email:${email}`}`;
    for (let i = 0; i < 3; i++) expect((await tokenRequest(email, "wrong", address)).status).toBe(401);
    expect(await row(`email:${email}`)).toMatchObject({ failures: 3 });
    expect(await row(`ip:${address}`)).toMatchObject({ failures: 3 });
    expect((await tokenRequest(email, t.password, address)).status).toBe(200);
    expect(await row(`email:${email}`)).toBeUndefined();
    expect(await row(`ip:${address}`)).toMatchObject({ failures: 3, locked: false });
  });

  it("does not count a malformed request (422) at all", async () => {
    const address = newAddress();
    const res = await tokenRequest("not-an-email", "x", address);
    expect(res.status).toBe(422);
    expect(await row(`ip:${address}`)).toBeUndefined();
    expect(verify).not.toHaveBeenCalled();
  });
});

describe("POST /auth/login (the form) under the login throttle", () => {
  it("sends a throttled browser back to the form with error=throttled and Retry-After", async () => {
    const address = newAddress();
    const email = unknownEmail();
    const post = (password: string) =>
      loginForm(
        new Request("http://flotilla.test/auth/login", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": address },
          body: new URLSearchParams({ email, password }),
        }),
      );
    for (let i = 0; i < 6; i++) expect((await post("wrong")).headers.get("location")).toBe("/login?error=invalid");
    const res = await post("wrong");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login?error=throttled");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
  });

  it("shares the account key with /auth/token: failures through one lock the other", async () => {
    const address = newAddress();
    const email = unknownEmail();
    for (let i = 0; i < 6; i++) await tokenRequest(email, "wrong", address);
    const res = await loginForm(
      new Request("http://flotilla.test/auth/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": newAddress() },
        body: new URLSearchParams({ email, password: "wrong" }),
      }),
    );
    expect(res.headers.get("location")).toBe("/login?error=throttled");
  });
});

describe("the throttle's keys and rules (domain functions, short policies)", () => {
  const small: ThrottlePolicy = {
    ...LOGIN_THROTTLE,
    accountFreeFailures: 2,
    addressFreeFailures: 4,
    pruneProbability: 0,
  };

  it("locks an address after its own (more generous) free failures, across accounts, and only that address", async () => {
    const address = newAddress();
    for (let i = 0; i < small.addressFreeFailures + 1; i++) {
      const outcome = await authenticate(handle.db, { email: unknownEmail(), password: "x" }, address, small);
      expect(outcome).toEqual({ ok: false, reason: "invalid" });
    }
    // Locked address: even a real user's right password from it is refused, without a hash.
    verify.mockClear();
    const creds = { email: t.users.viewer.email, password: t.password };
    expect(await authenticate(handle.db, creds, address, small)).toEqual({
      ok: false,
      reason: "throttled",
      retryAfterSeconds: 1,
    });
    expect(verify).not.toHaveBeenCalled();
    // The same user from any other address is not affected.
    expect(await authenticate(handle.db, creds, newAddress(), small)).toMatchObject({ ok: true });
  });

  it("computes every lock in SQL exactly as lockSecondsAfter does, up to the 15-minute cap", async () => {
    const keys = throttleKeys(unknownEmail(), newAddress());
    for (let n = 1; n <= 16; n++) {
      expect(await admitAttempt(handle.db, keys, small)).toEqual({ admitted: true });
      const r = await row(keys.account);
      expect(r?.failures).toBe(n);
      expect(r?.lock_seconds ?? 0).toBe(lockSecondsAfter(n, small.accountFreeFailures, small));
      await expireLocks(keys.account, keys.address);
    }
    expect(lockSecondsAfter(16, small.accountFreeFailures, small)).toBe(15 * 60);
  });

  it("forgets a key 15 minutes after its last failure or the end of its lock, whichever is later", async () => {
    const keys = throttleKeys(unknownEmail(), newAddress());
    for (let i = 0; i < 5; i++) {
      expect(await admitAttempt(handle.db, keys, small)).toEqual({ admitted: true });
      await expireLocks(keys.account, keys.address);
    }
    // The lock ended 14 minutes ago: remembered, so the next failure locks longer still.
    // (The address's own lock is ended each time: this test is about the account's key.)
    await handle.sql`UPDATE login_failures SET last_failure_at = now() - interval '30 minutes', locked_until = now() - interval '14 minutes' WHERE key = ${keys.account}`;
    await expireLocks(keys.address);
    expect(await admitAttempt(handle.db, keys, small)).toEqual({ admitted: true });
    expect(await row(keys.account)).toMatchObject({ failures: 6, locked: true });
    // 16 minutes after the lock ended: forgotten, the count starts again at 1 (no lock).
    await handle.sql`UPDATE login_failures SET last_failure_at = now() - interval '30 minutes', locked_until = now() - interval '16 minutes' WHERE key = ${keys.account}`;
    await expireLocks(keys.address);
    expect(await admitAttempt(handle.db, keys, small)).toEqual({ admitted: true });
    expect(await row(keys.account)).toMatchObject({ failures: 1, locked: false });
  });

  it("prunes forgotten rows and keeps live ones", async () => {
    const old = `email:${unknownEmail()}`;
    const lockedLong = `email:${unknownEmail()}`;
    const recent = `email:${unknownEmail()}`;
    await handle.sql`
      INSERT INTO login_failures (key, failures, first_failure_at, last_failure_at, locked_until) VALUES
        (${old}, 9, now() - interval '2 hours', now() - interval '1 hour', now() - interval '30 minutes'),
        (${lockedLong}, 9, now() - interval '2 hours', now() - interval '1 hour', now() + interval '5 minutes'),
        (${recent}, 1, now(), now(), NULL)`;
    expect(await pruneLoginFailures(handle.db)).toBeGreaterThanOrEqual(1);
    expect(await row(old)).toBeUndefined();
    expect(await row(lockedLong)).toBeDefined();
    expect(await row(recent)).toBeDefined();
  });
});
