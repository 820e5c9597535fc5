import { requireAuthSecret } from "@/lib/config";
import type { Db } from "@/lib/db/client";
import { confirmPrincipal } from "./current";
import { SESSION_COOKIE, verifyToken, type Principal } from "./token";

/**
 * The caller of an API request: `Authorization: Bearer <token>` first, else the session
 * cookie; null unless the token is valid and its user still has the tenant, role and
 * token version it was signed with (see confirmPrincipal).
 */
export async function principalFromRequest(db: Db, req: Request): Promise<Principal | null> {
  const header = req.headers.get("authorization");
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const claims = await verifyToken(bearer ?? readCookie(req, SESSION_COOKIE), requireAuthSecret());
  return confirmPrincipal(db, claims);
}

/**
 * The client's address for the login throttle: the first entry of X-Forwarded-For (which
 * Next's server fills in from the socket when the client sent none, and which a reverse
 * proxy in front must overwrite, or anyone could choose their own), else X-Real-IP,
 * else "unknown" (a request without either, as in tests calling handlers directly).
 * IPv4-mapped IPv6 ("::ffff:127.0.0.1") is the IPv4 address; at most 64 characters.
 */
export function clientAddress(req: Request): string {
  const first = req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip")?.trim();
  if (!first) return "unknown";
  return first
    .toLowerCase()
    .replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1")
    .slice(0, 64);
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join("="));
    } catch {
      return undefined; // malformed percent-encoding: no session, not a 500
    }
  }
  return undefined;
}

/** Cookie attributes: httpOnly so scripts cannot read it, Lax so cross-site POSTs do not carry it. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}
