import { POST as tokenRoute } from "@/app/auth/token/route";
import type { TestTenant } from "./db";

/** A Next.js route handler as exported by an app/…/route.ts file. */
export type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string | undefined>;
  /** Sent as JSON unless it is a string, FormData or Uint8Array. */
  body?: unknown;
  method?: string;
}

/**
 * Calls a route handler directly with a real Request: the same code path as over
 * HTTP (auth, parsing, the error mapper, RLS), without a server in between.
 */
export async function call(handler: Handler, opts: CallOptions = {}) {
  const url = new URL("http://flotilla.test/x");
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  const headers = new Headers();
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers.set(k, v);
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData || typeof opts.body === "string" || opts.body instanceof Uint8Array) {
    body = opts.body as BodyInit;
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const method = opts.method ?? (body === undefined ? "GET" : "POST");
  const res = await handler(new Request(url, { method, headers, body }), {
    params: Promise.resolve(opts.params ?? {}),
  });
  const text = await res.text();
  // A test reads the body by the shape it expects, and its assertions check that shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, body: json, headers: res.headers };
}

/** What `call` answers: the status, the body parsed as JSON (else its text) and the headers. */
export type CallResult = Awaited<ReturnType<typeof call>>;

export type Role = "admin" | "operator" | "viewer";

const tokens = new Map<string, string>();

/** The `Authorization` header that carries `token`. */
export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A JSON request to POST /auth/token with `body` (credentials, or not), and extra `headers`. */
export const authTokenRequest = (body: unknown, headers: Record<string, string> = {}) =>
  new Request("http://flotilla.test/auth/token", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

/** `Authorization` headers for a tenant's user of `role` (tokens cached per user). */
export async function authAs(t: TestTenant, role: Role = "admin") {
  const email = t.users[role].email;
  let token = tokens.get(email);
  if (!token) {
    const res = await tokenRoute(authTokenRequest({ email, password: t.password }));
    token = (await res.json()).access_token as string;
    tokens.set(email, token);
  }
  return bearer(token);
}

/** Calls `handler` as the `role` user of tenant `t`. */
export const callAs = async (t: TestTenant, role: Role, handler: Handler, opts: CallOptions = {}) =>
  call(handler, { ...opts, headers: await authAs(t, role) });
