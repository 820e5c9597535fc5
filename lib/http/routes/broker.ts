import { MQTT_HOOK_MAX_BODY_BYTES, MqttAclRequest, MqttAuthRequest, MqttHookResult } from "@/lib/mqtt/hooks";
import { route } from "./spec";

/**
 * The HTTP hooks a cluster broker (EMQX 5) calls to authenticate a client and to authorise
 * each publish and subscribe, in EMQX's format: always 200 with `{"result": "allow" | "deny"}`
 * for a well-formed question. Only the broker may ask (`Authorization: Bearer <MQTT_HOOK_SECRET>`);
 * without MQTT_HOOK_SECRET the hooks answer 404.
 */
export const brokerRoutes = {
  mqttAuth: route({
    method: "post",
    path: "/mqtt/auth",
    summary: "Broker hook: may this client connect? (EMQX HTTP authentication)",
    auth: "hook-secret",
    body: MqttAuthRequest,
    maxBodyBytes: MQTT_HOOK_MAX_BODY_BYTES,
    response: MqttHookResult,
    ok: 200,
    errors: [400, 401, 404, 413, 422],
  }),
  mqttAcl: route({
    method: "post",
    path: "/mqtt/acl",
    summary: "Broker hook: may this client publish or subscribe to this topic? (EMQX HTTP authorisation)",
    auth: "hook-secret",
    body: MqttAclRequest,
    maxBodyBytes: MQTT_HOOK_MAX_BODY_BYTES,
    response: MqttHookResult,
    ok: 200,
    errors: [400, 401, 404, 413, 422],
  }),
};
