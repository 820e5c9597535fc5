import { z } from "zod";
import { NotFound, Unauthorized } from "@/lib/errors";
import { DeviceAuthorizer, secretEquals } from "./device-auth";

/**
 * The HTTP authentication and authorisation hooks of cluster brokers (EMQX 5's "HTTP
 * Server" authenticator and authorizer; docs/device-protocol.md shows the configuration).
 * The broker asks, Flotilla answers `{"result": "allow" | "deny"}` with the same rule the
 * embedded broker enforces (lib/mqtt/device-auth.ts).
 */

// MQTT strings are at most 65,535 bytes; EMQX sends an absent username or password as "".
const mqttString = z.string().max(65_535);

export const MqttAuthRequest = z.object({
  clientid: mqttString,
  username: mqttString.nullish(),
  password: mqttString.nullish(),
});
export type MqttAuthRequest = z.infer<typeof MqttAuthRequest>;

export const MqttAclRequest = z.object({
  clientid: mqttString,
  username: mqttString.nullish(),
  topic: mqttString.min(1),
  action: z.enum(["publish", "subscribe"]),
});
export type MqttAclRequest = z.infer<typeof MqttAclRequest>;

/** EMQX's answer: `is_superuser` lets the service skip the per-message authorisation call. */
export const MqttHookResult = z.object({
  result: z.enum(["allow", "deny"]),
  is_superuser: z.boolean().optional(),
});
export type MqttHookResult = z.infer<typeof MqttHookResult>;

/** A hook body's limit: three MQTT strings and some JSON. */
export const MQTT_HOOK_MAX_BODY_BYTES = 4 * 65_536;

/**
 * The caller must be the broker: `Authorization: Bearer <MQTT_HOOK_SECRET>`, compared in
 * constant time. Without a configured secret the hooks do not exist (404): an open hook
 * would let anyone test passwords, and no broker is pointed at Flotilla by default.
 */
export function assertHookCaller(req: Request, secret: string | undefined): void {
  if (!secret) throw new NotFound("The MQTT hooks are not enabled (MQTT_HOOK_SECRET is not set)");
  const m = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
  if (!m || !secretEquals(m[1]!, secret)) throw new Unauthorized("Invalid or missing hook secret");
}

export async function mqttAuthHook(authorizer: DeviceAuthorizer, body: MqttAuthRequest): Promise<MqttHookResult> {
  const verdict = await authorizer.authenticate(body.clientid, body.username || undefined, body.password || undefined);
  if (!verdict.ok) return { result: "deny" };
  return { result: "allow", is_superuser: verdict.principal.role === "service" };
}

export function mqttAclHook(authorizer: DeviceAuthorizer, body: MqttAclRequest): MqttHookResult {
  // The broker authenticated this client already: its names say who it is.
  const principal = authorizer.principalOf(body.clientid, body.username ?? undefined);
  const ok =
    body.action === "publish"
      ? authorizer.mayPublish(principal, body.topic)
      : authorizer.maySubscribe(principal, body.topic);
  return { result: ok ? "allow" : "deny" };
}
