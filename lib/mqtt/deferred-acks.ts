import type { IPublishPacket, MqttClient } from "mqtt";

/**
 * A message as the subscriber sees it when its acknowledgement is deferred.
 * `next()` lets the client read the next packet (call it at once unless you want to
 * hold the socket back); `ack()` sends the PUBACK, which tells the broker it may forget
 * the message: call it only once what the message says is durable.
 */
export interface DeferredMessage {
  packet: IPublishPacket;
  next: () => void;
  ack: () => void;
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * Makes a client's QoS 1 PUBACKs wait for `ack()` instead of going out when the
 * message handler returns.
 *
 * mqtt.js handles one incoming packet at a time and sends the PUBACK as soon as
 * `handleMessage`'s callback runs, so holding that callback until a database commit
 * would let one message through per commit. Instead the callback runs at once (so the
 * next packet is read), and the PUBACK it produces is intercepted in `_sendPacket` and
 * kept until `ack()`. mqtt.js has no public hook for this; `tests/unit/deferred-acks.test.ts` and `tests/integration/deferred-acks.test.ts`
 * and the ingestion tests fail if an upgrade changes the private method.
 *
 * Packet ids belong to one connection: after the connection closes, held PUBACKs are
 * dropped, never sent on the next connection (where the same id may name another
 * message). The broker redelivers those messages to the persistent session, and they
 * are acknowledged once written again.
 */
export function deferAcks(client: MqttClient, onMessage: (m: DeferredMessage) => void): { held: () => number } {
  const self = client as unknown as { _sendPacket: SendPacket };
  const original: SendPacket = self._sendPacket.bind(client);
  if (typeof original !== "function") throw new Error("mqtt.js changed: MqttClient._sendPacket is gone");
  let generation = 0;
  let held = 0;
  // Per packet id of the current connection, the messages with that id in arrival order:
  // each with its PUBACK once mqtt.js produced it, and whether ack() was called. A broker
  // without a receive maximum (aedes) reuses an id that is still unacknowledged once more
  // than 65,535 messages are in flight, and a PUBACK clears its *oldest* message with that
  // id. So a PUBACK goes out only when the oldest message of its id is acknowledged, and
  // in that order.
  let waiting = new Map<number, Entry[]>();
  interface Entry {
    puback?: { cmd: string; messageId?: number };
    acked: boolean;
  }
  const flush = (id: number, list: Entry[]) => {
    while (list[0]?.acked && list[0].puback) {
      const e = list.shift()!;
      held--;
      if (client.connected) original(e.puback!);
    }
    if (list.length === 0 && waiting.get(id) === list) waiting.delete(id);
  };

  client.on("close", () => {
    generation++;
    waiting = new Map();
    held = 0;
  });

  self._sendPacket = (packet, cb, ...rest) => {
    if (packet.cmd === "puback" && packet.messageId !== undefined) {
      const list = waiting.get(packet.messageId);
      const entry = list?.find((e) => !e.puback);
      if (list && entry) {
        entry.puback = packet;
        cb?.(); // the packet is handled: mqtt.js may read the next one
        flush(packet.messageId, list);
        return;
      }
    }
    original(packet, cb, ...rest);
  };

  client.handleMessage = (packet, done) => {
    const id = packet.qos > 0 ? packet.messageId : undefined;
    const gen = generation;
    const entry: Entry = { acked: false };
    if (id !== undefined) {
      let list = waiting.get(id);
      if (!list) waiting.set(id, (list = []));
      list.push(entry);
      held++;
    }
    let nexted = false;
    const next = () => {
      if (nexted) return;
      nexted = true;
      done();
    };
    const ack = () => {
      if (id === undefined || gen !== generation || entry.acked) return;
      entry.acked = true;
      const list = waiting.get(id);
      if (list) flush(id, list);
      // else: mqtt.js has not produced the PUBACK yet (next() not called); _sendPacket sends it.
    };
    onMessage({ packet, next, ack });
  };

  return { held: () => held };
}
