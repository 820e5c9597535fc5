import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";

/**
 * One long-lived MQTT connection per role per process (never one per device).
 * Reconnects on its own; a broker hiccup is a pause, not an error.
 */
export async function connectMqtt(opts: {
  url: string;
  username?: string;
  password?: string;
  clientIdPrefix: string;
  /** A fixed client id with a persistent session (clean: false): the broker keeps this
   * client's subscriptions and queues its QoS 1 messages while it is away. */
  persistentId?: string;
  /** Runs before the connection opens: a persistent session's queued messages can arrive
   * together with the CONNACK, so message handling must be in place first. */
  setup?: (client: MqttClient) => void;
}): Promise<MqttClient> {
  const client = mqtt.connect(opts.url, {
    clientId: opts.persistentId ?? `${opts.clientIdPrefix}-${randomBytes(4).toString("hex")}`,
    clean: opts.persistentId === undefined,
    username: opts.username,
    password: opts.password,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  opts.setup?.(client);
  await new Promise<void>((resolve, reject) => {
    const onConnect = () => {
      client.off("error", onError);
      resolve();
    };
    const onError = (err: Error) => {
      client.off("connect", onConnect);
      client.end(true);
      reject(err);
    };
    client.once("connect", onConnect);
    client.once("error", onError);
  });
  return client;
}
