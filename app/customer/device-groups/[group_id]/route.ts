import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { deleteGroup, getGroup } from "@/lib/ota/groups";

export const GET = authed(routes.groupGet, async ({ path, principal, tenant }) =>
  tenant((tx) => getGroup(tx, principal.tenantId, path.group_id)),
);

export const DELETE = authed(routes.groupDelete, async ({ path, principal, tenant }) => {
  await tenant((tx) => deleteGroup(tx, principal.tenantId, path.group_id));
});
