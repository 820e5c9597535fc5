import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import { ROLES } from "@/lib/db/schema/tenants";

export const SESSION_COOKIE = "flotilla_session";
export const TOKEN_TTL_SECONDS = 12 * 60 * 60;
const ISSUER = "flotilla";

/** Who is calling: the claims of a verified token. */
export const Principal = z.object({
  userId: z.number().int(),
  tenantId: z.string(),
  role: z.enum(ROLES),
  email: z.string(),
});
export type Principal = z.infer<typeof Principal>;

const key = (secret: string) => new TextEncoder().encode(secret);

/** The same signed JWT serves as the browser's session cookie and as an API bearer token. */
export async function signToken(p: Principal, secret: string, ttlSeconds = TOKEN_TTL_SECONDS): Promise<string> {
  return new SignJWT({ tid: p.tenantId, role: p.role, email: p.email })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(String(p.userId))
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(key(secret));
}

/** The principal of a valid token, or null for a missing, forged, expired or malformed one. */
export async function verifyToken(token: string | undefined, secret: string): Promise<Principal | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, key(secret), { issuer: ISSUER, algorithms: ["HS256"] });
    const parsed = Principal.safeParse({
      userId: Number(payload.sub),
      tenantId: payload.tid,
      role: payload.role,
      email: payload.email,
    });
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
