/**
 * The browser's side of the API: same-origin fetches carrying the session cookie.
 * Every non-2xx answer becomes an ApiError with the server's `detail`, and for 422
 * the per-field messages keyed by the field name (the last part of `loc`), so that
 * forms can show each message beside its field.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | undefined,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The JSON body of a 2xx answer, or the ApiError of any other (also for answers read otherwise when they succeed, e.g. CSV). */
export async function parse<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text ? safeJson(text) : undefined;
  if (res.ok) return body as T;
  const detail = (body as { detail?: unknown; code?: string } | undefined)?.detail;
  const code = (body as { code?: string } | undefined)?.code;
  if (Array.isArray(detail)) {
    const fields: Record<string, string> = {};
    for (const d of detail as { loc?: (string | number)[]; msg?: string }[]) {
      const field = String(d.loc?.at(-1) ?? "");
      if (field && !fields[field]) fields[field] = d.msg ?? "is invalid";
    }
    const summary = Object.entries(fields)
      .map(([f, m]) => `${f}: ${m}`)
      .join("; ");
    throw new ApiError(res.status, summary || "The request was not valid", code, fields);
  }
  if (res.status === 401 && typeof window !== "undefined") {
    // The session expired: back to the sign-in page. A full load on purpose, not router.push: it
    // drops this session's cached data, and this module runs outside any component.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign("/login");
  }
  throw new ApiError(res.status, typeof detail === "string" ? detail : `Request failed (${res.status})`, code);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function apiGet<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(withQuery(path, query), { credentials: "same-origin", signal, cache: "no-store" }));
}

export async function apiSend<T>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin" };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "content-type": "application/json" };
  }
  return parse<T>(await fetch(path, init));
}
