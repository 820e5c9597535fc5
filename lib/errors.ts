import { z } from "zod";

/** One FastAPI-style validation issue: what the UI puts beside the field named by `loc`. */
export interface FieldIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** Our stable error codes, beside `detail` (docs/api.md and the OpenAPI document list them). */
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
  "broker_unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * What domain code throws: a stable `code` and a `detail` for the caller, and nothing about
 * any transport. lib/http/respond.ts alone maps codes to HTTP statuses; the worker and the
 * scripts read the same errors without loading anything HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string | FieldIssue[],
  ) {
    super(typeof detail === "string" ? detail : detail.map((d) => d.msg).join("; "));
  }
}
export class Unauthorized extends DomainError {
  constructor(detail = "Not authenticated") {
    super("unauthorized", detail);
  }
}
export class Forbidden extends DomainError {
  constructor(detail = "Your role does not allow this action") {
    super("forbidden", detail);
  }
}
export class NotFound extends DomainError {
  constructor(detail = "Not found") {
    super("not_found", detail);
  }
}
export class Conflict extends DomainError {
  constructor(detail: string) {
    super("conflict", detail);
  }
}
export class InvalidTransition extends DomainError {
  constructor(detail: string) {
    super("invalid_transition", detail);
  }
}
export class BadRequest extends DomainError {
  constructor(detail: string) {
    super("bad_request", detail);
  }
}
export class PayloadTooLarge extends DomainError {
  constructor(limit: number) {
    super("payload_too_large", `Request body is larger than ${limit} bytes`);
  }
}
/** Refused for now (e.g. a throttled login); the caller may try again after `retryAfterSeconds`. */
export class TooManyRequests extends DomainError {
  constructor(
    readonly retryAfterSeconds: number,
    detail = "Too many attempts; try again later",
  ) {
    super("too_many_requests", detail);
  }
}
/**
 * The MQTT broker did not confirm a change to device accounts (Mosquitto unreachable, or it
 * refused): the change is not made, since a device must never be handed credentials its
 * broker does not know, nor keep an account after its deletion. The caller may retry.
 */
export class BrokerUnavailable extends DomainError {
  constructor(detail = "The MQTT broker could not be updated (unreachable?); nothing was changed. Try again.") {
    super("broker_unavailable", detail);
  }
}
export class ValidationFailed extends DomainError {
  constructor(issues: FieldIssue[]) {
    super("validation_error", issues);
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
