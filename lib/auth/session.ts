import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { requireAuthSecret } from "@/lib/config";
import { SESSION_COOKIE, verifyToken, type Principal } from "./token";

/** The signed-in user of a page request (Next.js only: pages and layouts), or null. */
export async function currentPrincipal(): Promise<Principal | null> {
  const jar = await cookies();
  return verifyToken(jar.get(SESSION_COOKIE)?.value, requireAuthSecret());
}

/** The signed-in user, or a redirect to /login. */
export async function requirePrincipal(): Promise<Principal> {
  const p = await currentPrincipal();
  if (!p) redirect("/login");
  return p;
}
