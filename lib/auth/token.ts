import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { ROLES } from "@/lib/db/schema/tenants";

export const SESSION_COOKIE = "flotilla_session";
export const TOKEN_TTL_SECONDS = 12 * 60 * 60;
const ISSUER = "flotilla";

/** Who is calling: the claims of a verified token. */
export const Principal = z.object({
  userId: z.number().int().min(1).max(2_147_483_647), // users.id is a PostgreSQL integer
  tenantId: z.string(),
  role: z.enum(ROLES),
  email: z.string(),
  /** users.token_version when the token was signed (claim `ver`; absent in older tokens: 0). */
  tokenVersion: z.number().int().min(0),
});
export type Principal = z.infer<typeof Principal>;

const key = (secret: string) => new TextEncoder().encode(secret);

/**
 * The same signed JWT serves as the browser's session cookie and as an API bearer token.
 * `tokenVersion` defaults to 0: a token signed with an older version than the user's row
 * is refused, so leaving it out fails closed once the user's role or password changes.
 */
export async function signToken(
  p: Omit<Principal, "tokenVersion"> & { tokenVersion?: number },
  secret: string,
  ttlSeconds = TOKEN_TTL_SECONDS,
): Promise<string> {
  return new SignJWT({ tid: p.tenantId, role: p.role, email: p.email, ver: p.tokenVersion ?? 0 })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(p.userId))
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/**
 * The claims of a validly signed, unexpired token, or null for a missing, forged, expired
 * or malformed one. The signature alone does not mean the user still exists or still has
 * this role: lib/auth/current.ts checks that against the database on every request.
 */
export async function verifyToken(token: string | undefined, secret: string): Promise<Principal | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, algorithms: ["HS256"] });
    const parsed = Principal.safeParse({
      userId: Number(payload.sub),
      tenantId: payload.tid,
      role: payload.role,
      email: payload.email,
      // Tokens signed before token versions existed carry no `ver`: version 0, which the
      // first change of role or password bumps past.
      tokenVersion: payload.ver ?? 0,
    });
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
