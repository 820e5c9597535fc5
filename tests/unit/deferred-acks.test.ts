import mqtt, { type IPublishPacket } from "mqtt";
import { expect, it } from "vitest";
import { deferAcks, type DeferredMessage } from "@/lib/mqtt/deferred-acks";

/**
 * The PUBACK bookkeeping alone, on a client that never connects: mqtt.js's own publish
 * handling is simulated by calling handleMessage and then _sendPacket, as it does.
 */
function harness() {
  const client = mqtt.connect("mqtt://127.0.0.1:9", { manualConnect: true });
  const sent: number[] = [];
  (
    client as unknown as { _sendPacket: (p: { cmd: string; messageId?: number }, cb?: () => void) => void }
  )._sendPacket = (p, cb) => {
    if (p.cmd === "puback") sent.push(p.messageId!);
    cb?.();
  };
  Object.defineProperty(client, "connected", { value: true, writable: true });
  const messages: DeferredMessage[] = [];
  deferAcks(client, (m) => messages.push(m));
  const deliver = (messageId: number) =>
    client.handleMessage(
      {
        cmd: "publish",
        qos: 1,
        messageId,
        topic: "t",
        payload: Buffer.from(String(messageId)),
        dup: false,
        retain: false,
      } as IPublishPacket,
      () => {
        // what mqtt.js does once the handler calls back: send the PUBACK
        (client as unknown as { _sendPacket: (p: { cmd: string; messageId: number }) => void })._sendPacket({
          cmd: "puback",
          messageId,
        });
      },
    );
  return { client, sent, messages, deliver };
}

it("sends no PUBACK before ack(), and one per message after", () => {
  const h = harness();
  h.deliver(1);
  h.deliver(2);
  for (const m of h.messages) m.next();
  expect(h.sent).toEqual([]);
  h.messages[1]!.ack();
  expect(h.sent).toEqual([2]);
  h.messages[0]!.ack();
  h.messages[0]!.ack();
  expect(h.sent).toEqual([2, 1]);
});

it("acknowledges a reused packet id only once its oldest message is durable, in order", () => {
  const h = harness();
  h.deliver(7); // the broker reuses 7 while the first 7 is still unacknowledged
  h.messages[0]!.next();
  h.deliver(7);
  h.messages[1]!.next();
  h.messages[1]!.ack(); // the newer one is written first
  expect(h.sent).toEqual([]); // a PUBACK now would clear the older, unwritten one at the broker
  h.messages[0]!.ack();
  expect(h.sent).toEqual([7, 7]);
});

it("sends the PUBACK of a message acknowledged before mqtt.js produced it", () => {
  const h = harness();
  h.deliver(3);
  h.messages[0]!.ack(); // dropped as garbage: acknowledged at once
  expect(h.sent).toEqual([]);
  h.messages[0]!.next();
  expect(h.sent).toEqual([3]);
});

it("drops held PUBACKs when the connection closes: packet ids belong to a connection", () => {
  const h = harness();
  h.deliver(4);
  h.messages[0]!.next();
  h.client.emit("close");
  h.messages[0]!.ack();
  expect(h.sent).toEqual([]);
});
