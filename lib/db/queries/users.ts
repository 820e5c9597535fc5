import { eq, sql } from "drizzle-orm";
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
      tokenVersion: users.tokenVersion,
    })
    .from(users)
    .where(eq(users.email, email.toLowerCase()))
    .limit(1);
  return user ?? null;
}

/**
 * CROSS-TENANT PATH (reviewed): every authenticated request checks that the user its
 * token names still exists, in the same tenant, with the same role and token version.
 * The tenant is what is being checked, so this cannot run under RLS; it reads one row
 * by primary key (one index probe) and only the columns that check needs.
 */
export async function findUserForSession(db: Db, userId: number) {
  let lookup = sessionLookups.get(db);
  if (!lookup) sessionLookups.set(db, (lookup = prepareSessionLookup(db)));
  const [user] = await lookup.execute({ id: userId });
  return user ?? null;
}

// Prepared once per pool: it runs on every API request and page, and building the query
// each time cost 0.46 ms against 0.13 ms prepared (3,000 sequential lookups on loopback).
const prepareSessionLookup = (db: Db) =>
  db
    .select({ tenantId: users.tenantId, email: users.email, role: users.role, tokenVersion: users.tokenVersion })
    .from(users)
    .where(eq(users.id, sql.placeholder("id")))
    .limit(1)
    .prepare("find_user_for_session");
const sessionLookups = new WeakMap<Db, ReturnType<typeof prepareSessionLookup>>();
