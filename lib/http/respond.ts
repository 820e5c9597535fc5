import { Conflict, DomainError, TooManyRequests, type ErrorCode } from "@/lib/errors";

/** The one place a domain error becomes an HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  invalid_transition: 400,
  bad_request: 400,
  validation_error: 422,
  payload_too_large: 413,
  too_many_requests: 429,
  broker_unavailable: 503,
  internal: 500,
};

/** PostgreSQL's error, whether thrown bare (postgres.js) or wrapped by drizzle ("Failed query: …"). */
function pgCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** The one error mapper: domain errors to the `{"detail", "code"}` body of docs/api.md. */
export function errorResponse(err: unknown): Response {
  let mapped: DomainError | undefined = err instanceof DomainError ? err : undefined;
  // A unique violation that domain code did not anticipate is still a conflict, not a 500.
  const code = pgCode(err);
  if (!mapped && code === "23505") mapped = new Conflict("Resource already exists");
  // A reference to a row that is gone (e.g. a still-valid token of a deleted tenant).
  if (!mapped && code === "23503") mapped = new Conflict("A referenced resource does not exist");
  if (mapped instanceof TooManyRequests) {
    // RFC 9110 §10.2.3: delay-seconds, a whole number; never 0, or a client would retry at once.
    const retry = Math.max(1, Math.ceil(mapped.retryAfterSeconds));
    return json(HTTP_STATUS[mapped.code], mapped.code, mapped.detail, { "Retry-After": String(retry) });
  }
  if (mapped) return json(HTTP_STATUS[mapped.code], mapped.code, mapped.detail);
  console.error("[web] unhandled error:", err);
  return json(500, "internal", "Internal server error");
}

function json(status: number, code: ErrorCode, detail: unknown, headers?: Record<string, string>): Response {
  return Response.json({ detail, code }, { status, headers });
}
