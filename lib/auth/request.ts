import { requireAuthSecret } from "@/lib/config";
import { SESSION_COOKIE, verifyToken, type Principal } from "./token";

/** The caller of an API request: `Authorization: Bearer <token>` first, else the session cookie. */
export async function principalFromRequest(req: Request): Promise<Principal | null> {
  const header = req.headers.get("authorization");
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return verifyToken(bearer ?? readCookie(req, SESSION_COOKIE), requireAuthSecret());
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
