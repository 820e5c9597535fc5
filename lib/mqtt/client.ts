import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";

/** How long a persistent session outlives its connection at the broker (MQTT 5): a week. */
export const SESSION_EXPIRY_SECONDS = 7 * 24 * 3600;
/** The most unacknowledged QoS 1 messages the broker may send us at once (MQTT 5's maximum). */
const RECEIVE_MAXIMUM = 65_535;

export interface ConnectOptions {
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
  /** MQTT protocol version; "auto" tries 5 and falls back to 3.1.1 (aedes speaks only 3.1.1). */
  protocol?: "auto" | 4 | 5;
}

/**
 * One long-lived MQTT connection per role per process (never one per device).
 * Reconnects on its own; a broker hiccup is a pause, not an error.
 *
 * MQTT 5 where the broker has it, for two reasons: a subscriber that acknowledges a
 * message only once it is written needs many messages in flight, and MQTT 5's receive
 * maximum raises the broker's window (Mosquitto's default is 20 per client, which would
 * throttle ingestion to 20 reports per commit); and a persistent session needs an
 * explicit expiry in MQTT 5 (0, the default, ends it with the connection).
 */
export async function connectMqtt(opts: ConnectOptions): Promise<MqttClient> {
  const protocol = opts.protocol ?? "auto";
  if (protocol !== "auto") return connectOnce(opts, protocol);
  try {
    return await connectOnce(opts, 5);
  } catch (err) {
    if (!/unacceptable protocol version|unsupported protocol/i.test((err as Error).message)) throw err;
    return connectOnce(opts, 4);
  }
}

async function connectOnce(opts: ConnectOptions, version: 4 | 5): Promise<MqttClient> {
  const persistent = opts.persistentId !== undefined;
  const client = mqtt.connect(opts.url, {
    clientId: opts.persistentId ?? `${opts.clientIdPrefix}-${randomBytes(4).toString("hex")}`,
    clean: !persistent,
    protocolVersion: version,
    properties:
      version === 5
        ? { receiveMaximum: RECEIVE_MAXIMUM, ...(persistent ? { sessionExpiryInterval: SESSION_EXPIRY_SECONDS } : {}) }
        : undefined,
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
