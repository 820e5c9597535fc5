import { authenticate, Credentials } from "@/lib/auth/login";
import { signToken, TOKEN_TTL_SECONDS } from "@/lib/auth/token";
import { requireAuthSecret } from "@/lib/config";
import { webDb } from "@/lib/db/web";
import { Unauthorized } from "@/lib/http/errors";
import { open } from "@/lib/http/handler";
import { parseJsonBody } from "@/lib/http/parse";

/** API clients: `{"email", "password"}` → a bearer token. */
export const POST = open(async (req) => {
  const creds = await parseJsonBody(req, Credentials);
  const principal = await authenticate(webDb().db, creds);
  if (!principal) throw new Unauthorized("Invalid email or password");
  return Response.json({
    access_token: await signToken(principal, requireAuthSecret()),
    token_type: "bearer",
    expires_in: TOKEN_TTL_SECONDS,
  });
});
