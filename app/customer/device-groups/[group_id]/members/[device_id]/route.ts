import { authed } from "@/lib/http/handler";
import { parsePath } from "@/lib/http/parse";
import { removeMember } from "@/lib/ota/groups";
import { MemberPath } from "@/lib/ota/schemas";

export const DELETE = authed({ role: "operator" }, async ({ params, principal, tenant }) => {
  const { group_id, device_id } = parsePath(params, MemberPath);
  await tenant((tx) => removeMember(tx, principal.tenantId, group_id, device_id));
  return new Response(null, { status: 204 });
});
