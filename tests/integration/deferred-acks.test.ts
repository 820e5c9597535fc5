import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import { expect, it } from "vitest";
import { connectMqtt } from "@/lib/mqtt/client";
import { deferAcks, type DeferredMessage } from "@/lib/mqtt/deferred-acks";
import { until } from "../support/rollout";
import { sleep } from "../support/time";

/**
 * The broker forgets a QoS 1 message only when the subscriber acknowledges it. With
 * deferAcks, that is when ack() is called, not when the handler returns: a subscriber
 * that goes away holding unacknowledged messages gets them again from its persistent
 * session, and one that acknowledged them does not.
 */
async function subscriber(clientId: string, topic: string, onMessage: (m: DeferredMessage) => void) {
  const client = await connectMqtt({
    url: process.env.MQTT_URL!,
    clientIdPrefix: "test",
    persistentId: clientId,
    setup: (c) => void deferAcks(c, onMessage),
  });
  await client.subscribeAsync(topic, { qos: 1 });
  return client;
}

it("redelivers what was not acknowledged to the persistent session, and only that", async () => {
  const topic = `acks/${randomBytes(4).toString("hex")}/x`;
  const clientId = `test-acks-${randomBytes(4).toString("hex")}`;
  const first: DeferredMessage[] = [];
  let sub = await subscriber(clientId, topic, (m) => {
    first.push(m);
    m.next();
  });
  const pub = await mqtt.connectAsync(process.env.MQTT_URL!, { clean: true });
  try {
    for (let i = 0; i < 40; i++) await pub.publishAsync(topic, String(i), { qos: 1 });
    await until(async () => first.length === 40, "40 messages");
    // Acknowledge the even ones only, then vanish without a clean disconnect.
    for (const m of first) if (Number(m.packet.payload.toString()) % 2 === 0) m.ack();
    await sleep(300); // the PUBACKs reach the broker
    sub.end(true);

    const again: string[] = [];
    sub = await subscriber(clientId, topic, (m) => {
      again.push(m.packet.payload.toString());
      m.next();
      m.ack();
    });
    await until(async () => again.length >= 20, "redelivery", 10_000);
    await sleep(300); // nothing more comes
    const odd = Array.from({ length: 20 }, (_, i) => String(2 * i + 1));
    expect([...new Set(again)].sort()).toEqual(odd.sort());
  } finally {
    // End the session at the broker too.
    await sub.endAsync(true);
    const cleanup = await mqtt.connectAsync(process.env.MQTT_URL!, { clientId, clean: true });
    await cleanup.endAsync();
    await pub.endAsync();
  }
});
