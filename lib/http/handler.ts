import type { Role } from "@/lib/db/schema/tenants";
import type { Tx } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";
import { principalFromRequest } from "@/lib/auth/request";
import type { Principal } from "@/lib/auth/token";
import { Forbidden, Unauthorized } from "@/lib/errors";
import { errorResponse } from "./respond";

export interface RouteContext {
  req: Request;
  /** Raw path parameters; parse them with `parsePath`. */
  params: Record<string, string | string[] | undefined>;
  principal: Principal;
  /** Runs `fn` in a transaction bound by RLS to the caller's tenant: the only database access a route gets. */
  tenant: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export interface RouteOptions {
  /** The least role allowed (default: any signed-in user). */
  role?: Role;
  /** Status of a successful JSON answer (default 200). */
  status?: number;
}

type NextCtx = { params: Promise<Record<string, string | string[] | undefined>> };

/**
 * The wrapper every /customer route uses: authenticate, check the role, give the
 * handler its tenant-scoped transaction, and map any error through the one mapper.
 * A handler returns a value (sent as JSON) or a Response.
 */
export function authed(opts: RouteOptions, fn: (ctx: RouteContext) => Promise<unknown>) {
  return async (req: Request, nextCtx: NextCtx): Promise<Response> => {
    try {
      const { db } = webDb();
      // Checks the token's user against the database too: deleted, demoted or re-passworded → 401.
      const principal = await principalFromRequest(db, req);
      if (!principal) throw new Unauthorized();
      if (opts.role && RANK[principal.role] < RANK[opts.role]) throw new Forbidden();
      const result = await fn({
        req,
        params: (await nextCtx?.params) ?? {},
        principal,
        tenant: (f) => withTenant(db, principal.tenantId, f),
      });
      return result instanceof Response ? result : Response.json(result, { status: opts.status ?? 200 });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** For the few routes without a signed-in user (token, login, health): errors still map in one place. */
export function open(fn: (req: Request) => Promise<Response>) {
  return async (req: Request): Promise<Response> => {
    try {
      return await fn(req);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
