import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { users } from "../schema";

/**
 * CROSS-TENANT PATH (reviewed): login starts from an email alone, before any tenant
 * is known, so this runs as the connecting user, outside RLS. It reads one user by
 * its unique email and returns nothing else.
 */
export async function findUserForLogin(db: Db, email: string) {
  const [user] = await db
    .select({
      id: users.id,
      tenantId: users.tenantId,
      email: users.email,
      role: users.role,
      passwordHash: users.passwordHash,
    })
    .from(users)
    .where(eq(users.email, email.toLowerCase()))
    .limit(1);
  return user ?? null;
}
