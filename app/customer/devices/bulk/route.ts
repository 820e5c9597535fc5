import { requireAuthSecret } from "@/lib/config";
import { credentialsCsvFile, credentialsJson, prefersCsv } from "@/lib/http/credentials";
import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { credentialsCsv, refreshDeviceStatistics, registerDevices } from "@/lib/ota/device-registration";

export const POST = authed(routes.deviceBulkCreate, async ({ req, body, principal, tenant, afterCommit }) => {
  const secret = requireAuthSecret();
  const registered = await tenant((tx) => registerDevices(tx, principal.tenantId, body.devices, secret));
  afterCommit((owner) => refreshDeviceStatistics(owner, registered.created));
  if (prefersCsv(req)) {
    const file = `devices-${principal.tenantId}-${new Date().toISOString().replace(/[:.]/g, "-")}.csv`;
    return credentialsCsvFile(routes.deviceBulkCreate, credentialsCsv(registered.devices), file);
  }
  return credentialsJson(routes.deviceBulkCreate, registered);
});
