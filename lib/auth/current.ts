import type { Db } from "@/lib/db/client";
import { findUserForSession } from "@/lib/db/queries/users";
import type { Principal } from "./token";

/**
 * The principal of verified token claims if its user still stands behind them, else null.
 *
 * A token is stateless and lives 12 hours; without this check a deleted user's token
 * kept creating groups, and a demoted admin kept admin rights until it expired. The
 * user's row must still exist in the same tenant with the same role and the same
 * token_version (bumped by a trigger on any change of role or password, migration 0005).
 * One primary-key read per request; the email shown comes from the row, so a changed
 * email shows at once without invalidating the session.
 */
export async function confirmPrincipal(db: Db, claims: Principal | null): Promise<Principal | null> {
  if (!claims) return null;
  const user = await findUserForSession(db, claims.userId);
  if (!user) return null;
  if (user.tenantId !== claims.tenantId || user.role !== claims.role || user.tokenVersion !== claims.tokenVersion)
    return null;
  return { ...claims, email: user.email };
}
