/**
 * Device trust on Mosquitto 2 with dynamic security: a Mosquitto of this file's own (on a free
 * port, tests/support/mosquitto.ts), provisioned by Flotilla over $CONTROL/dynamic-security/v1
 * as devices are registered, re-keyed and deleted, and re-synchronised by `npm run mqtt:sync`.
 * The database is the test run's (DATABASE_URL); devices connect with their own credentials.
 */
import { spawn } from "node:child_process";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@/lib/db/tenant";
import { freePort } from "@/lib/embedded/ports";
import { Dynsec, dynsecProvisioner, type DynsecProvisioner } from "@/lib/mqtt/dynsec";
import { newDeviceSecret, type DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { issueDeviceCredentials, revokeDeviceCredentials } from "@/lib/ota/credentials";
import { commandTopic, statusFilter, statusTopic } from "@/lib/rollout/protocol";
import { testDb } from "../support/db";
import { mosquittoMissing, startMosquittoDynsec, type TestMosquitto } from "../support/mosquitto";
import { campaignFor, campaignState, deviceRows, fleetOf, until, workerFor, FW_VERSION } from "../support/rollout";
import { sleep } from "../support/time";

if (mosquittoMissing) console.warn(`[broker-auth-mosquitto] skipped: ${mosquittoMissing}`);

const handle = testDb();
afterAll(() => handle.close());

describe.skipIf(mosquittoMissing !== null)("Mosquitto with dynamic security", () => {
  let broker: TestMosquitto;
  let provisioner: DynsecProvisioner;
  let admin: Dynsec;
  const open: MqttClient[] = [];

  beforeAll(async () => {
    broker = await startMosquittoDynsec();
    provisioner = dynsecProvisioner({ url: broker.url, ...broker.service });
    await provisioner.connection(); // gives the service client the role `flotilla-service`
    admin = await Dynsec.connect({ url: broker.url, ...broker.admin });
    // The service keeps only Flotilla's role: everything below proves that role is enough.
    await admin.runOrThrow([{ command: "removeClientRole", username: broker.service.username, rolename: "admin" }]);
    // That disconnects the service's connection (Mosquitto does, on a change to a client's roles): wait for it to be back.
    await until(
      () =>
        provisioner.remove([{ tenantId: "none", deviceId: "none" }]).then(
          () => true,
          () => false,
        ),
      "the provisioner to reconnect",
    );
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.endAsync(true)));
    await provisioner?.close();
    await admin?.close();
    await broker?.stop();
  });

  const connect = async (opts: IClientOptions) => {
    const c = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    open.push(c);
    return c;
  };
  const asDevice = (c: DeviceMqttCredentials, protocolVersion: 4 | 5 = 4) =>
    connect({ clientId: c.client_id, username: c.username, password: c.password, protocolVersion });
  const refused = (opts: IClientOptions) => expect(connect(opts)).rejects.toThrow(/Not authorized|Bad User Name/i);
  /** The SUBACK's return codes, refused ones included (mqtt.js reports those as an error). */
  const subscribeCodes = (c: MqttClient, filters: string[]) =>
    new Promise<number[]>((resolve) =>
      c.subscribe(filters, { qos: 1 }, (err, granted) =>
        resolve((err as { packet?: { granted: number[] } } | null)?.packet?.granted ?? granted!.map((g) => g.qos)),
      ),
    );
  const getClient = async (username: string) => (await admin.run([{ command: "getClient", username }]))[0]!;
  const getRole = async (rolename: string) => (await admin.run([{ command: "getRole", rolename }]))[0]!;

  /** A tenant with `n` registered devices, each with credentials provisioned on this broker. */
  async function registered(label: string, n: number) {
    const f = await fleetOf(handle, label, n);
    const creds = await withTenant(handle.db, f.tenantId, (tx) =>
      issueDeviceCredentials(tx, f.tenantId, f.deviceIds, provisioner),
    );
    return { ...f, creds: (d: string) => creds.get(d)! };
  }

  it("refuses anonymous connections, wrong passwords and a device posing as another", async () => {
    const f = await registered("anon", 2);
    const a = f.creds("dev-000");
    const b = f.creds("dev-001");
    await refused({});
    await refused({ username: a.username, password: "wrong", clientId: a.client_id });
    await refused({ username: a.username, password: b.password, clientId: a.client_id });
    // A's secret under B's name, and A's name under another client id.
    await refused({ username: b.username, password: a.password, clientId: b.client_id });
    await refused({ username: a.username, password: a.password, clientId: b.client_id });
    await asDevice(a);
  });

  it("lets a device subscribe only to its own commands and publish only its own status", async () => {
    const f = await registered("confine", 2);
    const other = await registered("other", 1);
    const t = f.tenantId;
    const a = f.creds("dev-000");
    const theirs = [
      commandTopic(t, "dev-001"),
      commandTopic(other.tenantId, "dev-000"),
      "#",
      commandTopic(t, "+"),
      statusFilter(t),
      "$CONTROL/dynamic-security/#",
    ];
    // MQTT 3.1.1: 0x80 for each refused filter; MQTT 5: 0x87 "not authorised".
    const a3 = await asDevice(a, 4);
    expect(await subscribeCodes(a3, [commandTopic(t, "dev-000"), ...theirs])).toEqual([1, ...theirs.map(() => 128)]);
    // One connection per client id: each new one takes the session over, as a rebooted device would.
    const a5 = await asDevice(a, 5);
    expect(await subscribeCodes(a5, theirs)).toEqual(theirs.map(() => 135));

    // The service hears every report of the tenant: A's own arrives, A's forgery for B never does.
    const service = await connect({ ...broker.service, clientId: "test-service", protocolVersion: 5 });
    const heard: string[] = [];
    service.on("message", (topic, payload) => heard.push(`${topic} ${payload.toString()}`));
    await service.subscribeAsync(statusFilter(t), { qos: 1 });
    const a4 = await asDevice(a, 4);
    // 3.1.1 has no way to say no to a PUBLISH: Mosquitto acknowledges it and drops it.
    await a4.publishAsync(statusTopic(t, "dev-001"), "forged-3", { qos: 1 });
    await a4.publishAsync(statusTopic(other.tenantId, "dev-000"), "forged-other", { qos: 1 });
    await a4.publishAsync(statusTopic(t, "dev-000"), "own", { qos: 1 });
    await until(async () => heard.includes(`${statusTopic(t, "dev-000")} own`), "A's own report");
    const b5 = await asDevice(f.creds("dev-001"), 5);
    await expect(b5.publishAsync(statusTopic(t, "dev-000"), "forged-5", { qos: 1 })).rejects.toThrow(/Not authorized/);
    await sleep(300);
    expect(heard).toEqual([`${statusTopic(t, "dev-000")} own`]);

    // Commands: A receives its own and nothing of B's, even having asked for it.
    const got: string[] = [];
    a4.on("message", (topic) => got.push(topic));
    await subscribeCodes(a4, [commandTopic(t, "dev-000"), commandTopic(t, "dev-001")]);
    await service.publishAsync(commandTopic(t, "dev-001"), "for-b", { qos: 1 });
    await service.publishAsync(commandTopic(t, "dev-000"), "for-a", { qos: 1 });
    await until(async () => got.length > 0, "A's command");
    await sleep(300);
    expect(got).toEqual([commandTopic(t, "dev-000")]);
  });

  it("lets the worker, on the service credential, dispatch to and ingest from devices on theirs", async () => {
    const f = await registered("rollout", 4);
    const t = f.tenantId;
    const devices = await Promise.all(
      f.deviceIds.map(async (d) => {
        const c = await asDevice(f.creds(d));
        c.on("message", (_topic, payload) => {
          const cmd = JSON.parse(payload.toString()) as { campaign_id: number; version: string };
          void (async () => {
            // dev-000 also reports every other device as failed: the broker drops each forgery.
            if (d === "dev-000") {
              for (const other of f.deviceIds.filter((o) => o !== d)) {
                await c.publishAsync(
                  statusTopic(t, other),
                  JSON.stringify({ campaign_id: cmd.campaign_id, status: "FAILED", error: "forged" }),
                  { qos: 1 },
                );
              }
            }
            const report = (body: object) => c.publishAsync(statusTopic(t, d), JSON.stringify(body), { qos: 1 });
            await report({ campaign_id: cmd.campaign_id, status: "DOWNLOADING", progress: 50 });
            await report({ campaign_id: cmd.campaign_id, status: "SUCCESS", version: cmd.version });
          })();
        });
        await c.subscribeAsync(commandTopic(t, d), { qos: 1 });
        return c;
      }),
    );
    expect(devices).toHaveLength(4);
    const worker = await workerFor(handle, [t], { mqtt: { url: broker.url, ...broker.service } });
    try {
      const id = await campaignFor(handle, t, f.fwId, { rollout_rate: 10, abort_min_devices: 4 });
      await until(async () => (await campaignState(handle, id)).succeeded === 4, "all four devices to succeed", 30_000);
      const rows = await deviceRows(handle, id);
      expect(rows.map((r) => [r.device_id, r.status, r.error_message])).toEqual(
        f.deviceIds.map((d) => [d, "SUCCESS", null]),
      );
      expect((await campaignState(handle, id)).failed).toBe(0);
      const fw = await handle.sql<{ fw_version: string }[]>`
        SELECT fw_version FROM devices WHERE tenant_id = ${t} ORDER BY device_id`;
      expect(fw.map((r) => r.fw_version)).toEqual(f.deviceIds.map(() => FW_VERSION));
    } finally {
      await worker.stop();
    }
  });

  it("refuses a re-keyed device's old password and disconnects it at once", async () => {
    const f = await registered("rekey", 1);
    const old = f.creds("dev-000");
    const c = await asDevice(old);
    let closedAt = 0;
    c.on("close", () => (closedAt ||= Date.now()));
    const rekeyedAt = Date.now();
    const fresh = await withTenant(handle.db, f.tenantId, (tx) =>
      issueDeviceCredentials(tx, f.tenantId, ["dev-000"], provisioner),
    );
    await until(async () => closedAt > 0, "the connected device to be disconnected", 5000);
    expect(closedAt - rekeyedAt).toBeLessThan(5000);
    await refused({ clientId: old.client_id, username: old.username, password: old.password });
    const n = await asDevice(fresh.get("dev-000")!);
    expect(await subscribeCodes(n, [commandTopic(f.tenantId, "dev-000")])).toEqual([1]);
  });

  it("removes a revoked device's account: refused, and disconnected if connected", async () => {
    const f = await registered("revoke", 1);
    const creds = f.creds("dev-000");
    const c = await asDevice(creds);
    let closed = false;
    c.on("close", () => (closed = true));
    await withTenant(handle.db, f.tenantId, (tx) => revokeDeviceCredentials(tx, f.tenantId, ["dev-000"], provisioner));
    await until(async () => closed, "the connected device to be disconnected", 5000);
    await refused({ clientId: creds.client_id, username: creds.username, password: creds.password });
    expect((await getClient(creds.username)).error).toBe("Client not found");
    expect((await getRole(`device:${creds.username}`)).error).toBe("Role not found");
  });

  it("mqtt:sync removes an orphan account, disables a stale one, repairs roles and lists what needs new credentials", async () => {
    const f = await registered("sync", 5);
    const t = f.tenantId;
    const [ok, stale, missing, roleless, widened] = f.deviceIds.map((d) => f.creds(d));
    // An orphan: the broker has a device the registry never committed.
    const ghost = newDeviceSecret().password;
    await provisioner.upsert([{ tenantId: t, deviceId: "ghost", password: ghost }]);
    // Stale: the registry's secret changed without the broker being told.
    await handle.sql`UPDATE devices SET mqtt_secret_hash = ${newDeviceSecret().hash}
      WHERE tenant_id = ${t} AND device_id = 'dev-001'`;
    // Missing: the broker lost the account (an old backup restored, say). Then one client lost
    // its role, and one role was widened by hand to everything. (Not deleteRole on a role a client
    // holds: Mosquitto 2.0.11 stops answering after that; see docs/mosquitto-dynsec.md.)
    await admin.runOrThrow([
      { command: "deleteClient", username: missing!.username },
      { command: "removeClientRole", username: roleless!.username, rolename: `device:${roleless!.username}` },
      {
        command: "modifyRole",
        rolename: `device:${widened!.username}`,
        acls: [{ acltype: "subscribePattern", topic: "#", allow: true }],
      },
    ]);
    const before = await asDevice(widened!);
    expect(await subscribeCodes(before, ["#"])).toEqual([1]);

    const run = await mqttSync(["--orphan-grace-seconds", "0"]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`${t} dev-001 (stale)`);
    expect(run.output).toContain(`${t} dev-002 (missing)`);
    expect(run.output).toMatch(new RegExp(`removed clients: \\d+[^]*${t}:ghost`));
    const repaired = run.output.slice(run.output.indexOf("repaired:"), run.output.indexOf("removed clients:"));
    expect(repaired).toContain(`${t}:dev-003`);
    expect(repaired).toContain(`${t}:dev-004`);

    expect((await getClient(`${t}:ghost`)).error).toBe("Client not found");
    expect((await getRole(`device:${t}:ghost`)).error).toBe("Role not found");
    await refused({ clientId: `${t}:ghost`, username: `${t}:ghost`, password: ghost });
    // The stale account is disabled: its (broker-valid) password no longer connects.
    expect((await getClient(stale!.username)).data?.client).toMatchObject({ disabled: true });
    await refused({ clientId: stale!.client_id, username: stale!.username, password: stale!.password });
    // The role-less device has its role again, the widened one its two topics only; the good one was left alone.
    const r = await asDevice(roleless!);
    expect(await subscribeCodes(r, [commandTopic(t, "dev-003")])).toEqual([1]);
    const w = await asDevice(widened!);
    expect(await subscribeCodes(w, ["#", commandTopic(t, "dev-004")])).toEqual([128, 1]);
    const o = await asDevice(ok!);
    expect(await subscribeCodes(o, [commandTopic(t, "dev-000"), commandTopic(t, "dev-001")])).toEqual([1, 128]);

    // A second run finds nothing to change, and still lists what only new credentials fix.
    const again = await mqttSync(["--orphan-grace-seconds", "0"]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain("disabled (stale): 0");
    expect(again.output).toContain("repaired: 0");
    expect(again.output).toContain(`${t} dev-001 (stale)`);

    // New credentials put the stale device back.
    const fresh = await withTenant(handle.db, t, (tx) => issueDeviceCredentials(tx, t, ["dev-001"], provisioner));
    await asDevice(fresh.get("dev-001")!);
  }, 60_000);

  it("mqtt:sync exits non-zero when it cannot reach the broker", async () => {
    const run = await mqttSync([], { MQTT_URL: `mqtt://127.0.0.1:${await freePort()}` });
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/mqtt:sync failed: Cannot connect to the MQTT broker/);
  });

  /** `npm run mqtt:sync` as an operator runs it, against this broker and the test database. */
  function mqttSync(args: string[], env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/mqtt-sync.ts", ...args], {
        env: {
          ...process.env,
          MQTT_URL: broker.url,
          MQTT_USERNAME: broker.service.username,
          MQTT_PASSWORD: broker.service.password,
          MQTT_DYNSEC: "1",
          ...env,
        },
      });
      let output = "";
      child.stdout.on("data", (b: Buffer) => (output += b.toString()));
      child.stderr.on("data", (b: Buffer) => (output += b.toString()));
      child.on("exit", (code) => resolve({ code, output }));
    });
  }
});
