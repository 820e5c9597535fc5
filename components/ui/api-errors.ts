import { ApiError } from "@/lib/api-client/http";

/** The message to show for a failed action: the server's own words where it gave any. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong";
}

/** Per-field messages of a 422 (keyed by field name), or none. */
export function fieldErrors(err: unknown): Record<string, string> {
  return err instanceof ApiError && err.status === 422 ? err.fields : {};
}

/**
 * The part of an error that belongs to the whole form, not to one field: a 409, a
 * 404, a 422 about a field the form does not show, a network failure.
 */
export function formError(err: unknown, shownFields: readonly string[]): string | undefined {
  if (!err) return undefined;
  if (err instanceof ApiError && err.status === 422) {
    const rest = Object.entries(err.fields).filter(([f]) => !shownFields.includes(f));
    if (Object.keys(err.fields).length && !rest.length) return undefined;
    return rest.length ? rest.map(([f, m]) => `${f}: ${m}`).join("; ") : err.message;
  }
  return errorMessage(err);
}

/** A 404, or a 422 on the path: an id that cannot exist is as missing as an unknown one. */
export const isNotFound = (err: unknown) => err instanceof ApiError && (err.status === 404 || err.status === 422);

/** A 409's message (a duplicate, or a row still in use), to show beside the field it concerns. */
export const conflictMessage = (err: unknown) =>
  err instanceof ApiError && err.status === 409 ? err.message : undefined;
