import { config } from "@/lib/config";
import { open } from "@/lib/http/handler";
import { routes } from "@/lib/http/routes";
import { hookAuthorizer } from "@/lib/mqtt/hook-authorizer";
import { assertHookCaller, mqttAclHook } from "@/lib/mqtt/hooks";

export const dynamic = "force-dynamic";

/** EMQX's HTTP authorizer: `{clientid, username, topic, action}` → `{"result": "allow" | "deny"}` (lib/mqtt/hooks.ts). */
export const POST = open(
  routes.mqttAcl,
  async ({ body }) => mqttAclHook(hookAuthorizer(), body),
  (req) => assertHookCaller(req, config().MQTT_HOOK_SECRET),
);
