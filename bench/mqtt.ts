import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";

export interface Counter {
  count: number;
  /** Distinct device ids seen (the topic's device level), to tell duplicates from drops. */
  distinct: () => number;
  /** Date.now() of the first and of the latest message. */
  first: number;
  last: number;
  close: () => Promise<void>;
}

/** One wildcard subscriber at QoS 1 that counts what it receives (and acknowledges at once). */
export async function countingSubscriber(url: string, filter: string): Promise<Counter> {
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-sub-${randomBytes(4).toString("hex")}`,
    clean: true,
    reconnectPeriod: 0,
  });
  const seen = new Set<string>();
  const c: Counter = {
    count: 0,
    first: 0,
    last: 0,
    distinct: () => seen.size,
    close: () => client.endAsync(true),
  };
  client.on("message", (topic) => {
    const now = Date.now();
    if (c.count === 0) c.first = now;
    c.last = now;
    c.count++;
    // tenant/{t}/device/{d}/ota: the device is the fourth level.
    seen.add(topic.split("/", 4)[3]!);
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return c;
}

/**
 * Publishes `count` messages at QoS 1 with at most `window` unacknowledged at once
 * (an unbounded flood collapses mqtt.js, see STACK-NOTES). Resolves when the broker
 * has acknowledged every one; counts the ones it refused.
 */
export function publishWindowed(
  client: MqttClient,
  count: number,
  message: (i: number) => { topic: string; payload: string },
  window: number,
): Promise<{ acked: number; failed: number }> {
  return new Promise((resolve) => {
    let next = 0;
    let done = 0;
    let failed = 0;
    if (count === 0) return resolve({ acked: 0, failed: 0 });
    const pump = () => {
      if (next >= count) return;
      const m = message(next++);
      client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
        if (err) failed++;
        if (++done === count) resolve({ acked: done - failed, failed });
        else pump();
      });
    };
    for (let k = 0; k < Math.min(window, count); k++) pump();
  });
}
