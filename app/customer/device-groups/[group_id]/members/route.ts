import { authed } from "@/lib/http/handler";
import { parseJsonBody, parsePath } from "@/lib/http/parse";
import { addMembers } from "@/lib/ota/groups";
import { GroupPath, MembersAdd } from "@/lib/ota/schemas";

export const POST = authed({ role: "operator" }, async ({ req, params, principal, tenant }) => {
  const { group_id } = parsePath(params, GroupPath);
  const body = await parseJsonBody(req, MembersAdd);
  return tenant((tx) => addMembers(tx, principal.tenantId, group_id, body));
});
