import { authed } from "@/lib/http/handler";
import { parseQuery } from "@/lib/http/parse";
import { FirmwareListQuery, listFirmware } from "@/lib/ota/firmware";

export const GET = authed({}, async ({ req, principal, tenant }) => {
  const q = parseQuery(req.url, FirmwareListQuery);
  return tenant((tx) => listFirmware(tx, principal.tenantId, q));
});
