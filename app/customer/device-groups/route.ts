import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { createGroup, listGroups } from "@/lib/ota/groups";

export const GET = authed(routes.groupList, async ({ query, principal, tenant }) =>
  tenant((tx) => listGroups(tx, principal.tenantId, query)),
);

export const POST = authed(routes.groupCreate, async ({ body, principal, tenant }) =>
  tenant((tx) => createGroup(tx, principal.tenantId, body)),
);
