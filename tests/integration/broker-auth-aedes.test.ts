import { randomBytes } from "node:crypto";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedBroker, type EmbeddedBroker } from "@/lib/embedded/broker";
import { freePort } from "@/lib/embedded/ports";
import { withTenant } from "@/lib/db/tenant";
import type { DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { issueDeviceCredentials } from "@/lib/ota/credentials";
import { commandTopic, statusFilter, statusTopic } from "@/lib/rollout/protocol";
import { testDb } from "../support/db";
import { campaignFor, deviceRows, fleetOf, until, workerFor, FW_VERSION } from "../support/rollout";
import { sleep } from "../support/time";

/**
 * Device identity on the embedded broker (aedes with deviceAuth, backed by the test
 * database): every device connects with its own credentials, as on `npm start`.
 */
const handle = testDb();
const SERVICE = { username: "flotilla-service", password: randomBytes(24).toString("base64url") };
const SWEEP_MS = 300;
let broker: EmbeddedBroker;

beforeAll(async () => {
  broker = await startEmbeddedBroker({
    port: await freePort(),
    deviceAuth: {
      sql: handle.sql,
      serviceUsername: SERVICE.username,
      servicePassword: SERVICE.password,
      sweepIntervalMs: SWEEP_MS,
    },
  });
});
afterAll(async () => {
  await broker?.close();
  await handle.close();
});

const clients: MqttClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
});

/** One connection attempt, no reconnects: resolves connected, or rejects with the broker's refusal. */
async function connect(opts: IClientOptions): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...opts,
  });
  clients.push(c);
  return c;
}
const asDevice = (cred: DeviceMqttCredentials, over: IClientOptions = {}) =>
  connect({ clientId: cred.client_id, username: cred.username, password: cred.password, ...over });
const asService = () =>
  connect({
    clientId: `svc-${randomBytes(3).toString("hex")}`,
    username: SERVICE.username,
    password: SERVICE.password,
  });

/** A tenant with `n` devices and their credentials, issued as registration issues them. */
async function fleetWithCredentials(label: string, n: number) {
  const f = await fleetOf(handle, label, n);
  const creds = await withTenant(handle.db, f.tenantId, (tx) => issueDeviceCredentials(tx, f.tenantId, f.deviceIds));
  return { ...f, cred: (deviceId: string) => creds.get(deviceId)! };
}

/** The granted QoS of each filter of one SUBSCRIBE (128: refused). */
async function subscribeCodes(c: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filters, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    // mqtt.js rejects a SUBACK holding any failure code, with the packet attached.
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw err;
    return granted;
  }
}

describe("connecting", () => {
  it("refuses anonymous clients, wrong passwords, unknown devices and a device under another client id", async () => {
    const f = await fleetWithCredentials("conn", 2);
    const a = f.cred("dev-000");
    const before = broker.stats()!.connects_refused;
    await expect(connect({ clientId: "anon" })).rejects.toThrow(/Bad username or password|Not authorized/);
    await expect(asDevice(a, { password: "not-the-password" })).rejects.toThrow(/Bad username or password/);
    await expect(asDevice(a, { password: f.cred("dev-001").password })).rejects.toThrow(/Bad username or password/);
    const ghost = `${f.tenantId}:ghost`;
    await expect(connect({ clientId: ghost, username: ghost, password: a.password })).rejects.toThrow(
      /Bad username or password/,
    );
    // Its own username and password, but the client id of another device: it could take over that session.
    await expect(asDevice(a, { clientId: f.cred("dev-001").client_id })).rejects.toThrow(/Identifier rejected/);
    await expect(
      connect({ clientId: "svc-x", username: SERVICE.username, password: `${SERVICE.password}x` }),
    ).rejects.toThrow(/Bad username or password/);
    expect(broker.stats()!.connects_refused - before).toBe(6);

    const ok = await asDevice(a);
    expect(ok.connected).toBe(true);
    expect((await asService()).connected).toBe(true);
  });

  it("looks up a storm of devices in a few batched queries, and a reconnect within the TTL in none", async () => {
    const f = await fleetWithCredentials("storm", 60);
    const q0 = broker.stats()!.lookup_queries;
    const all = await Promise.all(f.deviceIds.map((d) => asDevice(f.cred(d))));
    const queries = broker.stats()!.lookup_queries - q0;
    expect(queries).toBeGreaterThanOrEqual(1);
    expect(queries).toBeLessThanOrEqual(20);
    await Promise.all(all.map((c) => c.endAsync()));
    const q1 = broker.stats()!.lookup_queries;
    const hits = broker.stats()!.cache_hits;
    await Promise.all(f.deviceIds.map((d) => asDevice(f.cred(d))));
    expect(broker.stats()!.cache_hits - hits).toBe(60);
    expect(broker.stats()!.lookup_queries - q1).toBe(0);
  });
});

describe("what a device may do", () => {
  it("subscribes only to its own command topic: B's, another tenant's and wildcards get 128, the connection stays", async () => {
    const f = await fleetWithCredentials("subs", 2);
    const other = await fleetWithCredentials("subs-other", 1);
    const a = await asDevice(f.cred("dev-000"));
    const before = broker.stats()!.subscriptions_refused;
    const refused = [
      commandTopic(f.tenantId, "dev-001"),
      commandTopic(other.tenantId, "dev-000"),
      "#",
      `tenant/${f.tenantId}/device/+/ota`,
      statusFilter(),
      statusTopic(f.tenantId, "dev-000"),
    ];
    expect(await subscribeCodes(a, refused)).toEqual(refused.map(() => 128));
    expect(broker.stats()!.subscriptions_refused - before).toBe(refused.length);
    expect(a.connected).toBe(true);
    expect(await subscribeCodes(a, [commandTopic(f.tenantId, "dev-000")])).toEqual([1]);

    // And it really receives nothing of B's: a command to B reaches B only.
    const b = await asDevice(f.cred("dev-001"));
    await subscribeCodes(b, [commandTopic(f.tenantId, "dev-001")]);
    const gotA: string[] = [];
    const gotB: string[] = [];
    a.on("message", (t) => gotA.push(t));
    b.on("message", (t) => gotB.push(t));
    const svc = await asService();
    await svc.publishAsync(commandTopic(f.tenantId, "dev-001"), "for B", { qos: 1 });
    await svc.publishAsync(commandTopic(f.tenantId, "dev-000"), "for A", { qos: 1 });
    await until(async () => gotA.length === 1 && gotB.length === 1, "each its own command");
    expect(gotA).toEqual([commandTopic(f.tenantId, "dev-000")]);
    expect(gotB).toEqual([commandTopic(f.tenantId, "dev-001")]);
  });

  it("publishes only to its own status topic: anything else is dropped and counted, the connection stays", async () => {
    const f = await fleetWithCredentials("pubs", 2);
    const svc = await asService();
    const seen: string[] = [];
    svc.on("message", (t) => seen.push(t));
    await svc.subscribeAsync(["#", "$flotilla/#"], { qos: 1 });
    const a = await asDevice(f.cred("dev-000"));
    const before = broker.stats()!.publishes_refused;
    await a.publishAsync(statusTopic(f.tenantId, "dev-001"), '{"campaign_id":1,"status":"SUCCESS"}', { qos: 1 });
    await a.publishAsync(commandTopic(f.tenantId, "dev-001"), "forged command", { qos: 1 });
    await a.publishAsync("tenant/x/device/y/ota/status", "{}", { qos: 0, retain: true });
    // Its own, last: once the service has it, the three before it would have arrived too.
    await a.publishAsync(statusTopic(f.tenantId, "dev-000"), "{}", { qos: 1 });
    await until(async () => seen.includes(statusTopic(f.tenantId, "dev-000")), "A's own report");
    expect(seen.filter((t) => t.startsWith("tenant/"))).toEqual([statusTopic(f.tenantId, "dev-000")]);
    expect(broker.stats()!.publishes_refused - before).toBe(3);
    expect(a.connected).toBe(true);
  });
});

describe("the worker on an authenticated broker", () => {
  it("dispatches to and ingests from devices with their own credentials; a forged report never changes B's row", async () => {
    const f = await fleetWithCredentials("e2e", 3);
    const worker = await workerFor(handle, [f.tenantId], {
      mqtt: { url: broker.url, username: SERVICE.username, password: SERVICE.password },
    });
    const devices = await Promise.all(f.deviceIds.map((d) => asDevice(f.cred(d))));
    const commanded = new Map<string, number>();
    devices.forEach((c, i) => {
      const deviceId = f.deviceIds[i]!;
      c.on("message", (_t, payload) => commanded.set(deviceId, JSON.parse(payload.toString()).campaign_id));
    });
    await Promise.all(devices.map((c, i) => c.subscribeAsync(commandTopic(f.tenantId, f.deviceIds[i]!), { qos: 1 })));
    try {
      const id = await campaignFor(handle, f.tenantId, f.fwId, { rollout_rate: 3, abort_threshold: 1 });
      await until(async () => commanded.size === 3, "3 commands, each to its own device");
      const [a, , c] = devices;
      const report = (client: MqttClient, topicDevice: string, status: string) =>
        client.publishAsync(
          statusTopic(f.tenantId, topicDevice),
          JSON.stringify({ campaign_id: id, status, version: FW_VERSION }),
          { qos: 1 },
        );
      // dev-000 forges dev-001's success (and failure), then reports its own.
      await report(a!, "dev-001", "SUCCESS");
      await report(a!, "dev-001", "FAILED");
      await report(a!, "dev-000", "SUCCESS");
      await report(c!, "dev-002", "SUCCESS");
      await until(
        async () => (await deviceRows(handle, id)).filter((r) => r.status === "SUCCESS").length === 2,
        "dev-000 and dev-002 SUCCESS",
      );
      await worker.drain();
      const rows = await deviceRows(handle, id);
      expect(rows.map((r) => [r.device_id, r.status])).toEqual([
        ["dev-000", "SUCCESS"],
        ["dev-001", "DOWNLOADING"],
        ["dev-002", "SUCCESS"],
      ]);
      // B itself still can.
      await report(devices[1]!, "dev-001", "SUCCESS");
      await until(async () => (await deviceRows(handle, id))[1]!.status === "SUCCESS", "dev-001 SUCCESS by itself");
    } finally {
      await worker.stop();
    }
  });
});

describe("revocation", () => {
  it("disconnects a re-keyed device within the sweep and refuses its old password; the new one works", async () => {
    const f = await fleetWithCredentials("rekey", 2);
    const old = f.cred("dev-000");
    const c = await asDevice(old);
    const bystander = await asDevice(f.cred("dev-001"));
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    const swept = broker.stats()!.revoked_disconnects;
    const [fresh] = await withTenant(handle.db, f.tenantId, (tx) =>
      issueDeviceCredentials(tx, f.tenantId, ["dev-000"]),
    ).then((m) => [...m.values()]);
    await Promise.race([closed, sleep(SWEEP_MS * 10).then(() => Promise.reject(new Error("not disconnected")))]);
    expect(broker.stats()!.revoked_disconnects - swept).toBe(1);
    await sleep(SWEEP_MS * 2);
    expect(bystander.connected).toBe(true);
    await expect(asDevice(old)).rejects.toThrow(/Bad username or password/);
    expect((await asDevice(fresh!)).connected).toBe(true);
  });

  it("disconnects a deleted device within the sweep and refuses it from then on", async () => {
    const f = await fleetWithCredentials("deleted", 1);
    const cred = f.cred("dev-000");
    const c = await asDevice(cred);
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    await handle.sql`DELETE FROM devices WHERE tenant_id = ${f.tenantId} AND device_id = 'dev-000'`;
    await Promise.race([closed, sleep(SWEEP_MS * 10).then(() => Promise.reject(new Error("not disconnected")))]);
    await expect(asDevice(cred)).rejects.toThrow(/Bad username or password/);
  });
});
