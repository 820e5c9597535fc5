import { authed } from "@/lib/http/handler";
import { parseJsonBody, parseQuery } from "@/lib/http/parse";
import { createGroup, listGroups } from "@/lib/ota/groups";
import { GroupCreate, Pagination } from "@/lib/ota/schemas";

export const GET = authed({}, async ({ req, principal, tenant }) => {
  const q = parseQuery(req.url, Pagination);
  return tenant((tx) => listGroups(tx, principal.tenantId, q));
});

export const POST = authed({ role: "operator", status: 201 }, async ({ req, principal, tenant }) => {
  const body = await parseJsonBody(req, GroupCreate);
  return tenant((tx) => createGroup(tx, principal.tenantId, body));
});
