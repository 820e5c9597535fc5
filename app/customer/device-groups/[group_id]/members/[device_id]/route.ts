import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { removeMember } from "@/lib/ota/groups";

export const DELETE = authed(routes.groupMemberRemove, async ({ path, principal, tenant }) => {
  await tenant((tx) => removeMember(tx, principal.tenantId, path.group_id, path.device_id));
});
