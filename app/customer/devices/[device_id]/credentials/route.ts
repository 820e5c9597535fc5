import { requireAuthSecret } from "@/lib/config";
import { credentialsJson } from "@/lib/http/credentials";
import { authed } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { rekeyDevice } from "@/lib/ota/device-registration";

export const POST = authed(routes.deviceCredentials, async ({ path, principal, tenant }) => {
  const secret = requireAuthSecret();
  const rekeyed = await tenant((tx) => rekeyDevice(tx, principal.tenantId, path.device_id, secret));
  return credentialsJson(routes.deviceCredentials, rekeyed);
});
