import { forgetEmail, rememberEmail } from "@/app/login/email-cookie";
import { authenticate, Credentials, LOGIN_MAX_BODY_BYTES } from "@/lib/auth/login";
import { clientAddress, sessionCookie } from "@/lib/auth/request";
import { signToken, TOKEN_TTL_SECONDS } from "@/lib/auth/token";
import { requireAuthSecret } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { BadRequest } from "@/lib/errors";
import { open } from "@/lib/http/handler";
import { parseFormBody } from "@/lib/http/parse";

const seeOther = (location: string, cookies: (string | null)[], headers: Record<string, string> = {}) => {
  const h = new Headers({ Location: location, ...headers });
  for (const c of cookies) if (c) h.append("Set-Cookie", c);
  return new Response(null, { status: 303, headers: h });
};

/**
 * The login form's target: sets the session cookie and sends the browser on. A form body
 * over LOGIN_MAX_BODY_BYTES is refused with 413 before more of it is read; a throttled
 * login goes back to the form with `error=throttled` (and Retry-After). A failed attempt
 * goes back with the email kept (app/login/email-cookie.ts), so only the password is retyped.
 */
export const POST = open(async (req) => {
  const form = await parseFormBody(req, LOGIN_MAX_BODY_BYTES).catch((err) => {
    if (err instanceof BadRequest) return null; // malformed or interrupted: the form's own message
    throw err; // 413 through the error mapper
  });
  const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  const keep = rememberEmail(form?.get("email"), secure);
  const parsed = Credentials.safeParse({ email: form?.get("email"), password: form?.get("password") });
  if (!parsed.success) return seeOther("/login?error=input", [keep]);
  const outcome = await authenticate(webDb().db, parsed.data, clientAddress(req));
  if (!outcome.ok && outcome.reason === "throttled") {
    return seeOther("/login?error=throttled", [keep], { "Retry-After": String(outcome.retryAfterSeconds) });
  }
  if (!outcome.ok) return seeOther("/login?error=invalid", [keep]);
  const token = await signToken(outcome.principal, requireAuthSecret());
  return seeOther("/app/ota/campaigns", [sessionCookie(token, TOKEN_TTL_SECONDS, secure), forgetEmail()]);
});
