import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { requireAuthSecret } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { confirmPrincipal } from "./current";
import { SESSION_COOKIE, verifyToken, type Principal } from "./token";

/**
 * The signed-in user of a page request (Next.js only: pages and layouts), or null: also
 * null when the user has since been deleted, demoted or given a new password.
 * Wrapped in cache(): a layout and its page both ask, and one database read serves both.
 */
export const currentPrincipal = cache(async (): Promise<Principal | null> => {
  const jar = await cookies();
  const claims = await verifyToken(jar.get(SESSION_COOKIE)?.value, requireAuthSecret());
  return confirmPrincipal(webDb().db, claims);
});

/** The signed-in user, or a redirect to /login. */
export async function requirePrincipal(): Promise<Principal> {
  const p = await currentPrincipal();
  if (!p) redirect("/login");
  return p;
}
