import { authenticate } from "@/lib/auth/login";
import { clientAddress } from "@/lib/auth/request";
import { signToken, TOKEN_TTL_SECONDS } from "@/lib/auth/token";
import { requireAuthSecret } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { TooManyRequests, Unauthorized } from "@/lib/errors";
import { open } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";

/** API clients: `{"email", "password"}` → a bearer token (429 with Retry-After while throttled). */
export const POST = open(routes.authToken, async ({ req, body }) => {
  const outcome = await authenticate(webDb().db, body, clientAddress(req));
  if (!outcome.ok && outcome.reason === "throttled") {
    throw new TooManyRequests(outcome.retryAfterSeconds, "Too many failed logins; try again later");
  }
  if (!outcome.ok) throw new Unauthorized("Invalid email or password");
  return {
    access_token: await signToken(outcome.principal, requireAuthSecret()),
    token_type: "bearer",
    expires_in: TOKEN_TTL_SECONDS,
  };
});
