import { z } from "zod";

/** One FastAPI-style validation issue: what the UI puts beside the field named by `loc`. */
export interface FieldIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Our stable error codes, beside the seed's `detail` (the OpenAPI document lists these). */
export const ERROR_CODES = [
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "invalid_transition",
  "bad_request",
  "validation_error",
  "payload_too_large",
  "too_many_requests",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Domain code throws these; lib/http/respond.ts maps them to HTTP in one place. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string | FieldIssue[],
  ) {
    super(typeof detail === "string" ? detail : detail.map((d) => d.msg).join("; "));
  }
}
export class Unauthorized extends AppError {
  constructor(detail = "Not authenticated") {
    super(401, "unauthorized", detail);
  }
}
export class Forbidden extends AppError {
  constructor(detail = "Your role does not allow this action") {
    super(403, "forbidden", detail);
  }
}
export class NotFound extends AppError {
  constructor(detail = "Not found") {
    super(404, "not_found", detail);
  }
}
export class Conflict extends AppError {
  constructor(detail: string) {
    super(409, "conflict", detail);
  }
}
export class InvalidTransition extends AppError {
  constructor(detail: string) {
    super(400, "invalid_transition", detail);
  }
}
export class BadRequest extends AppError {
  constructor(detail: string) {
    super(400, "bad_request", detail);
  }
}
export class PayloadTooLarge extends AppError {
  constructor(limit: number) {
    super(413, "payload_too_large", `Request body is larger than ${limit} bytes`);
  }
}
/** Refused for now (e.g. a throttled login); the mapper sends `Retry-After: retryAfterSeconds`. */
export class TooManyRequests extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    detail = "Too many attempts; try again later",
  ) {
    super(429, "too_many_requests", detail);
  }
}
export class ValidationFailed extends AppError {
  constructor(issues: FieldIssue[]) {
    super(422, "validation_error", issues);
  }
  /** From a zod error, with `where` ("body", "query", "path") first in each `loc`. */
  static fromZod(where: string | string[], error: z.ZodError): ValidationFailed {
    const prefix = typeof where === "string" ? [where] : where;
    return new ValidationFailed(
      error.issues.map((i) => ({
        loc: [...prefix, ...i.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
        msg: i.message,
        type: i.code,
      })),
    );
  }
}
