import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { addMembers } from "@/lib/ota/groups";

export const POST = authed(routes.groupMembersAdd, async ({ path, body, principal, tenant }) =>
  tenant((tx) => addMembers(tx, principal.tenantId, path.group_id, body)),
);
