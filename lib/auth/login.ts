import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { findUserForLogin } from "@/lib/db/queries/users";
import { verifyPassword } from "./password";
import { admitAttempt, attemptSucceeded, LOGIN_THROTTLE, throttleKeys, type ThrottlePolicy } from "./throttle";
import type { Principal } from "./token";

export const Credentials = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});
export type Credentials = z.infer<typeof Credentials>;

/** Login forms and token requests are a few hundred bytes: a cap far below MAX_BODY_BYTES. */
export const LOGIN_MAX_BODY_BYTES = 64 * 1024;

// Verified against when the email is unknown, so that the response time does not tell
// whether an account exists. A real scrypt hash of a random password.
const DUMMY_HASH = "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$9gq4pOqSWsQdqK0F3x8dQe3K3cZbK2h2mJ1JmB2mN8k=";

export type LoginOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/**
 * Checks credentials from `address` under the login throttle (lib/auth/throttle.ts): a
 * locked account or address is refused before the user is looked up or any hash is
 * computed; a known and an unknown email take the same path and get the same outcomes.
 */
export async function authenticate(
  db: Db,
  creds: Credentials,
  address: string,
  policy: ThrottlePolicy = LOGIN_THROTTLE,
): Promise<LoginOutcome> {
  const keys = throttleKeys(creds.email, address);
  const admission = await admitAttempt(db, keys, policy);
  if (!admission.admitted) return { ok: false, reason: "throttled", retryAfterSeconds: admission.retryAfterSeconds };
  const user = await findUserForLogin(db, creds.email);
  const ok = await verifyPassword(creds.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) return { ok: false, reason: "invalid" }; // counted already, by admitAttempt
  await attemptSucceeded(db, keys, policy);
  return {
    ok: true,
    principal: {
      userId: user.id,
      tenantId: user.tenantId,
      role: user.role,
      email: user.email,
      tokenVersion: user.tokenVersion,
    },
  };
}
