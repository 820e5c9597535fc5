import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";

/**
 * One long-lived MQTT connection per process (never one per device). Reconnects
 * on its own; a broker hiccup is a pause, not an error.
 */
export async function connectMqtt(opts: {
  url: string;
  username?: string;
  password?: string;
  clientIdPrefix: string;
}): Promise<MqttClient> {
  return mqtt.connectAsync(opts.url, {
    clientId: `${opts.clientIdPrefix}-${randomBytes(4).toString("hex")}`,
    username: opts.username,
    password: opts.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    clean: true,
  });
}
