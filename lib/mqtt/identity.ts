import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { IDENTIFIER } from "@/lib/rules/identifiers";
import { commandTopic, statusTopic } from "@/lib/rollout/protocol";

/**
 * A device's identity on the broker. Its MQTT client id and username are both
 * `{tenant_id}:{device_id}`: device ids are unique only within a tenant, and ':' can be
 * in neither identifier (lib/rules/identifiers.ts), so the pair is unambiguous and every
 * broker integration (aedes hooks, Mosquitto dynamic security, the EMQX HTTP hooks) reads
 * the tenant and the device from the username alone.
 */
export const deviceMqttIdentity = (tenantId: string, deviceId: string) => `${tenantId}:${deviceId}`;

export function parseDeviceMqttIdentity(s: string): { tenantId: string; deviceId: string } | null {
  const i = s.indexOf(":");
  if (i < 0) return null;
  const tenantId = s.slice(0, i);
  const deviceId = s.slice(i + 1);
  return IDENTIFIER.test(tenantId) && IDENTIFIER.test(deviceId) ? { tenantId, deviceId } : null;
}

/** The MQTT credentials a device is given, once, when they are issued. */
export interface DeviceMqttCredentials {
  client_id: string;
  username: string;
  password: string;
}

/**
 * A new device secret: 256 random bits, base64url (43 characters), and the hash that is
 * all we keep. A secret with that much entropy cannot be guessed from its SHA-256, so it
 * needs no slow password hash (the same reasoning as API tokens); a fast one is what lets
 * a broker authenticate a reconnect storm of a whole fleet.
 */
export function newDeviceSecret(): { password: string; hash: string } {
  return newDeviceSecrets(1)[0]!;
}

const SECRET_BYTES = 32;

/** `count` new device secrets: the random bytes drawn at once (one call per secret cost 1 s per 100,000). */
export function newDeviceSecrets(count: number): { password: string; hash: string }[] {
  const random = randomBytes(SECRET_BYTES * count);
  return Array.from({ length: count }, (_, i) => {
    const password = random.subarray(i * SECRET_BYTES, (i + 1) * SECRET_BYTES).toString("base64url");
    return { password, hash: hashDeviceSecret(password) };
  });
}

export const hashDeviceSecret = (password: string) => createHash("sha256").update(password, "utf8").digest("hex");

/** Compares in constant time. */
export function deviceSecretMatches(password: string, hash: string | null): boolean {
  if (!hash || hash.length !== 64) return false;
  return timingSafeEqual(Buffer.from(hashDeviceSecret(password), "hex"), Buffer.from(hash, "hex"));
}

export function deviceCredentials(tenantId: string, deviceId: string, password: string): DeviceMqttCredentials {
  const id = deviceMqttIdentity(tenantId, deviceId);
  return { client_id: id, username: id, password };
}

/**
 * What a device may do on the broker, and nothing else: subscribe to its own command
 * topic, publish to its own status topic. Exact topic strings: no wildcard is ever
 * allowed to a device. One home for the rule, used by every broker integration.
 */
export const deviceMaySubscribe = (tenantId: string, deviceId: string, filter: string) =>
  filter === commandTopic(tenantId, deviceId);
export const deviceMayPublish = (tenantId: string, deviceId: string, topic: string) =>
  topic === statusTopic(tenantId, deviceId);
