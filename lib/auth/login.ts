import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { findUserForLogin } from "@/lib/db/queries/users";
import { verifyPassword } from "./password";
import type { Principal } from "./token";

export const Credentials = z.object({
  email: z.string().trim().toLowerCase().email().max(254),
  password: z.string().min(1).max(1024),
});
export type Credentials = z.infer<typeof Credentials>;

// Verified against when the email is unknown, so that the response time does not tell
// whether an account exists. A real scrypt hash of a random password.
const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$9gq4pOqSWsQdqK0F3x8dQe3K3cZbK2h2mJ1JmB2mN8k=";

/** The principal for valid credentials, or null. */
export async function authenticate(db: Db, creds: Credentials): Promise<Principal | null> {
  const user = await findUserForLogin(db, creds.email);
  const ok = await verifyPassword(creds.password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) return null;
  return { userId: user.id, tenantId: user.tenantId, role: user.role, email: user.email };
}
