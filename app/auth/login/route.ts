import { authenticate, Credentials } from "@/lib/auth/login";
import { sessionCookie } from "@/lib/auth/request";
import { signToken, TOKEN_TTL_SECONDS } from "@/lib/auth/token";
import { requireAuthSecret } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { open } from "@/lib/http/handler";

const seeOther = (location: string, cookie?: string) =>
  new Response(null, { status: 303, headers: { Location: location, ...(cookie ? { "Set-Cookie": cookie } : {}) } });

/** The login form's target: sets the session cookie and sends the browser on. */
export const POST = open(async (req) => {
  const form = await req.formData().catch(() => null);
  const parsed = Credentials.safeParse({ email: form?.get("email"), password: form?.get("password") });
  if (!parsed.success) return seeOther("/login?error=input");
  const principal = await authenticate(webDb().db, parsed.data);
  if (!principal) return seeOther("/login?error=invalid");
  const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  const token = await signToken(principal, requireAuthSecret());
  return seeOther("/app/ota/campaigns", sessionCookie(token, TOKEN_TTL_SECONDS, secure));
});
