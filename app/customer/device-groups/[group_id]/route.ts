import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { deleteGroup, getGroup } from "@/lib/ota/groups";
import { GroupPath } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ params, principal, tenant }) => {
  const { group_id } = parsePath(params, GroupPath);
  return tenant((tx) => getGroup(tx, principal.tenantId, group_id));
});

export const DELETE = authed({ role: "operator" }, async ({ params, principal, tenant }) => {
  const { group_id } = parsePath(params, GroupPath);
  await tenant((tx) => deleteGroup(tx, principal.tenantId, group_id));
  return new Response(null, { status: 204 });
});
