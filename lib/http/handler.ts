import type { Db, Tx } from "@/lib/db/client";
import type { Role } from "@/lib/db/schema/tenants";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";
import { principalFromRequest } from "@/lib/auth/request";
import type { Principal } from "@/lib/auth/token";
import { Forbidden, Unauthorized } from "@/lib/errors";
import { parseJsonBody, parsePath, parseQuery } from "./parse";
import { errorResponse } from "./respond";
import type { ParsedRequest, RouteSpec } from "./routes/spec";

type NextCtx = { params: Promise<Record<string, string | string[] | undefined>> };

/** A Next route handler bound to its declaration (read by tests/integration/openapi.test.ts). */
export type BoundHandler = ((req: Request, nextCtx?: NextCtx) => Promise<Response>) & { route: RouteSpec };

export interface OpenContext<S extends RouteSpec> extends ParsedRequest<S> {
  req: Request;
}

export interface RouteContext<S extends RouteSpec> extends OpenContext<S> {
  principal: Principal;
  /** Runs `fn` in a transaction bound by RLS to the caller's tenant: the only database access a route gets. */
  tenant: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
  /**
   * Hands the owner connection to `task` once the handler has succeeded (its tenant
   * transaction committed), without delaying the answer: for maintenance the RLS role may
   * not do, such as `ANALYZE` (lib/ota/statistics.ts). A failure is logged, never answered.
   */
  afterCommit: (task: (owner: Db) => Promise<unknown>) => void;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Path, query and body parsed by the route's schemas, in that order (the first bad one answers 422). */
async function parseRequest<S extends RouteSpec>(spec: S, req: Request, nextCtx?: NextCtx): Promise<ParsedRequest<S>> {
  const path = spec.params ? parsePath((await nextCtx?.params) ?? {}, spec.params) : undefined;
  const query = spec.query ? parseQuery(req.url, spec.query) : undefined;
  const multipart = req.headers.get("content-type")?.toLowerCase().startsWith("multipart/form-data");
  const body =
    spec.body && !(spec.multipart && multipart)
      ? await parseJsonBody(req, spec.body, spec.maxBodyBytes)
      : spec.multipart
        ? null
        : undefined;
  return { path, query, body } as ParsedRequest<S>;
}

/** A handler's value as the answer: a Response as it is, else JSON (or nothing, for 204) with the route's status. */
function answer(spec: RouteSpec, result: unknown): Response {
  if (result instanceof Response) return result;
  if (spec.ok === 204) return new Response(null, { status: 204 });
  return Response.json(result, { status: spec.ok });
}

function bind(spec: RouteSpec, handler: (req: Request, nextCtx?: NextCtx) => Promise<Response>): BoundHandler {
  return Object.assign(handler, { route: spec });
}

/**
 * The wrapper every /customer route uses, around its declaration (lib/http/routes/):
 * authenticate, check the declared least role, parse the request with the declared
 * schemas, give the handler its tenant-scoped transaction, and map any error through the
 * one mapper. A handler returns a value (sent as JSON with the declared status) or a Response.
 */
export function authed<S extends RouteSpec>(spec: S, fn: (ctx: RouteContext<S>) => Promise<unknown>): BoundHandler {
  return bind(spec, async (req, nextCtx) => {
    try {
      const { db } = webDb();
      // Checks the token's user against the database too: deleted, demoted or re-passworded → 401.
      const principal = await principalFromRequest(db, req);
      if (!principal) throw new Unauthorized();
      if (spec.role && RANK[principal.role] < RANK[spec.role]) throw new Forbidden();
      const tasks: ((owner: Db) => Promise<unknown>)[] = [];
      const result = await fn({
        req,
        ...(await parseRequest(spec, req, nextCtx)),
        principal,
        tenant: (f) => withTenant(db, principal.tenantId, f),
        afterCommit: (task) => void tasks.push(task),
      });
      for (const task of tasks) {
        void task(db).catch((err: unknown) => console.error(`[web] ${spec.method} ${spec.path}: after commit:`, err));
      }
      return answer(spec, result);
    } catch (err) {
      return errorResponse(err);
    }
  });
}

/**
 * For the few routes without a signed-in user (token, health, the signed download, and the
 * browser's login form): errors still map in one place. With a declaration, the request is
 * parsed by its schemas as in `authed`; the handler reaches the database only through the
 * named domain functions of those paths.
 */
export function open(fn: (req: Request) => Promise<Response>): (req: Request) => Promise<Response>;
export function open<S extends RouteSpec>(
  spec: S,
  fn: (ctx: OpenContext<S>) => Promise<unknown>,
  /** Checks the caller before anything is parsed (a hook's shared secret): throws to refuse. */
  guard?: (req: Request) => void,
): BoundHandler;
export function open<S extends RouteSpec>(
  specOrFn: S | ((req: Request) => Promise<Response>),
  fn?: (ctx: OpenContext<S>) => Promise<unknown>,
  guard?: (req: Request) => void,
) {
  if (typeof specOrFn === "function") {
    return async (req: Request): Promise<Response> => {
      try {
        return await specOrFn(req);
      } catch (err) {
        return errorResponse(err);
      }
    };
  }
  const spec = specOrFn;
  return bind(spec, async (req, nextCtx) => {
    try {
      guard?.(req);
      return answer(spec, await fn!({ req, ...(await parseRequest(spec, req, nextCtx)) }));
    } catch (err) {
      return errorResponse(err);
    }
  });
}
