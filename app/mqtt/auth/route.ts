import { config } from "@/lib/config";
import { open } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { hookAuthorizer } from "@/lib/mqtt/hook-authorizer";
import { assertHookCaller, mqttAuthHook } from "@/lib/mqtt/hooks";

export const dynamic = "force-dynamic";

/** EMQX's HTTP authenticator: `{clientid, username, password}` → `{"result": "allow" | "deny"}` (lib/mqtt/hooks.ts). */
export const POST = open(
  routes.mqttAuth,
  async ({ body }) => mqttAuthHook(hookAuthorizer(), body),
  (req) => assertHookCaller(req, config().MQTT_HOOK_SECRET),
);
