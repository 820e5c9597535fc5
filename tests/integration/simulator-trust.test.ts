import { spawn } from "node:child_process";
import { randomBytes, sign } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deviceGroupMembers, deviceGroups, devices as deviceTable } from "@/lib/db/schema";
import { startEmbeddedBroker, type EmbeddedBroker } from "@/lib/embedded/broker";
import { freePort } from "@/lib/embedded/ports";
import { manifestSigners } from "@/lib/ota/signing-keys";
import {
  generateSigningKey,
  publicJwk,
  signManifest,
  type ManifestClaims,
  type SigningKey,
} from "@/lib/rollout/manifest";
import { commandTopic, statusTopic, type OtaCommand } from "@/lib/rollout/protocol";
import { CHECKSUM_MISMATCH, SimulatedDevice, type DeviceReport, type DeviceTrust } from "@/lib/simulator/device";
import { issueSimulatorCredentials } from "@/lib/simulator/provision";
import { createTestTenant, testDb } from "../support/db";
import {
  createTestFirmware,
  startDownloadServer,
  type DownloadServer,
  type TestFirmware,
} from "../support/download-server";
import { poll, sleep } from "../support/time";

/**
 * The simulator as a device that trusts nothing: it connects with its own credentials
 * (here on an embedded broker that enforces device identity) and refuses every command
 * whose signed manifest fails a check, with the check's name as the FAILED report's
 * error, before downloading anything. Commands are crafted and signed by hand with a test
 * key, and published straight to the device, as an attacker (or a broken server) would.
 */
const handle = testDb();
let server: DownloadServer;
let fw: TestFirmware;
let tenantId: string;
let observer: MqttClient;
const reports = new Map<string, DeviceReport[]>();
const started: SimulatedDevice[] = [];
const key = generateSigningKey();
const jwks = { keys: [publicJwk(key)] };
const releaseKey = generateSigningKey();

const uid = () => randomBytes(4).toString("hex");
const keyOf = (t: string, d: string) => `${t}/${d}`;

function observe(client: MqttClient) {
  client.on("message", (topic, payload) => {
    const m = /^tenant\/([^/]+)\/device\/([^/]+)\/ota\/status$/.exec(topic);
    if (!m) return;
    const k = keyOf(m[1]!, m[2]!);
    reports.set(k, [...(reports.get(k) ?? []), JSON.parse(payload.toString())]);
  });
}

beforeAll(async () => {
  ({ tenantId } = await createTestTenant(handle, "trust"));
  fw = await createTestFirmware(handle.db, tenantId, { version: "2.0.0", size: 300_000 });
  server = await startDownloadServer(handle.db);
  observer = await mqtt.connectAsync(process.env.MQTT_URL!, { clientId: `trust-observer-${uid()}`, clean: true });
  observe(observer);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});

afterAll(async () => {
  await observer?.endAsync();
  await server?.close();
  await handle.close();
});

/** A started device of a fresh tenant id on the shared test broker, provisioned with the test key. */
async function device(label: string, opts: DeviceTrust & { version?: string } = {}) {
  const d = new SimulatedDevice({
    tenantId: `trust-${uid()}`,
    deviceId: `${label}-${uid()}`,
    mqtt: { url: process.env.MQTT_URL! },
    version: "1.0.0",
    delayMs: 5,
    jwks,
    ...opts,
  });
  await observer.subscribeAsync(statusTopic(d.tenantId, d.deviceId), { qos: 1 });
  started.push(d);
  await d.start();
  return d;
}

/** The claims a genuine Flotilla would sign for this device and the test firmware. */
function claimsFor(d: { tenantId: string; deviceId: string }, over: Partial<ManifestClaims> = {}): ManifestClaims {
  const now = Math.floor(Date.now() / 1000);
  return {
    tenant_id: d.tenantId,
    device_id: d.deviceId,
    campaign_id: 1000 + Math.floor(Math.random() * 1_000_000),
    version: fw.version,
    sha256: fw.sha256,
    size: fw.sizeBytes,
    url: fw.url(server.origin),
    iat: now,
    exp: now + 3600,
    ...over,
  };
}

/** The command that goes with these claims (its unsigned fields copied from them), with a manifest. */
function commandOf(claims: ManifestClaims, manifest: string | undefined, over: Partial<OtaCommand> = {}) {
  return {
    campaign_id: claims.campaign_id,
    firmware_url: claims.url,
    version: claims.version,
    checksum: claims.sha256,
    action: "update" as const,
    size: claims.size,
    ...(manifest === undefined ? {} : { manifest }),
    ...over,
  };
}

async function send(d: SimulatedDevice, cmd: object) {
  await observer.publishAsync(commandTopic(d.tenantId, d.deviceId), JSON.stringify(cmd), { qos: 1 });
}

/** A genuine, signed command for the device; `claims` and `command` override parts of it. */
async function signedCommand(
  d: SimulatedDevice,
  over: { claims?: Partial<ManifestClaims>; command?: Partial<OtaCommand>; key?: SigningKey } = {},
) {
  const claims = claimsFor(d, over.claims);
  const cmd = commandOf(claims, signManifest(claims, over.key ?? key), over.command);
  await send(d, cmd);
  return { claims, cmd };
}

const reportsOf = (d: { tenantId: string; deviceId: string }) => reports.get(keyOf(d.tenantId, d.deviceId)) ?? [];
const isFinal = (r: DeviceReport) => r.status === "SUCCESS" || r.status === "FAILED";
const requestsOf = (d: SimulatedDevice) => server.requests.filter((r) => r.userAgent?.includes(`(${d.deviceId})`));

/** Waits for the device's final report, then a little longer, so that a late SUCCESS would be seen. */
async function outcome(d: { tenantId: string; deviceId: string }, timeoutMs = 8000) {
  await poll("a final report", () => reportsOf(d).some(isFinal), {
    timeoutMs,
    intervalMs: 20,
    detail: () => `; reports: ${JSON.stringify(reportsOf(d))}`,
  });
  await sleep(150);
  return reportsOf(d);
}

/** FAILED with exactly this reason, nothing installed, never SUCCESS. */
function expectRefused(r: DeviceReport[], reason: RegExp | string) {
  expect(r.at(-1)).toMatchObject({ status: "FAILED" });
  if (typeof reason === "string") expect(r.at(-1)!.error).toBe(reason);
  else expect(r.at(-1)!.error).toMatch(reason);
  expect(r.some((x) => x.status === "SUCCESS" || x.status === "INSTALLING")).toBe(false);
}

describe("a simulated device with its tenant's JWKS", () => {
  it("installs what a valid manifest names, downloading from the manifest's URL", async () => {
    const d = await device("ok");
    const { claims } = await signedCommand(d);
    const r = await outcome(d);
    expect(r.at(-1)).toEqual({
      campaign_id: claims.campaign_id,
      status: "SUCCESS",
      progress: 100,
      error: null,
      version: "2.0.0",
    });
    expect(d.version).toBe("2.0.0");
    expect(requestsOf(d).map((q) => q.status)).toEqual([200]);
  });

  it("refuses a tampered manifest (payload changed, signature kept) before downloading", async () => {
    const d = await device("tamper");
    const claims = claimsFor(d);
    const [header, , signature] = signManifest(claims, key).split(".");
    // Edited consistently in the command and the manifest's payload; only the signature gives it away
    // (a device that skipped it would install and report SUCCESS).
    const forged = { ...claims, version: "6.6.6" };
    const manifest = `${header}.${Buffer.from(JSON.stringify(forged)).toString("base64url")}.${signature}`;
    await send(d, commandOf(forged, manifest));
    expectRefused(await outcome(d), "Manifest rejected: bad signature");
    expect(requestsOf(d)).toEqual([]);
  });

  it("refuses a manifest addressed to another device, however valid its signature", async () => {
    const d = await device("other");
    await signedCommand(d, { claims: { device_id: "someone-else" } });
    expectRefused(await outcome(d), `Manifest rejected: addressed to ${d.tenantId}/someone-else, not this device`);
    expect(requestsOf(d)).toEqual([]);
  });

  it("refuses a manifest of another tenant for a device of the same id", async () => {
    const d = await device("tenant");
    await signedCommand(d, { claims: { tenant_id: "other-tenant" } });
    expectRefused(await outcome(d), /^Manifest rejected: addressed to other-tenant\//);
  });

  it("refuses an expired manifest", async () => {
    const d = await device("expired");
    const now = Math.floor(Date.now() / 1000);
    await signedCommand(d, { claims: { iat: now - 7200, exp: now - 60 } });
    expectRefused(await outcome(d), /^Manifest rejected: expired at \d{4}-/);
    expect(requestsOf(d)).toEqual([]);
  });

  it("refuses an image whose bytes do not have the manifest's SHA-256, after downloading it", async () => {
    const d = await device("hash");
    // Signed by the genuine key, but for other bytes than the server holds (a swapped file).
    await signedCommand(d, { claims: { sha256: "cd".repeat(32) } });
    expectRefused(await outcome(d), CHECKSUM_MISMATCH);
    expect(requestsOf(d).length).toBeGreaterThan(0);
  });

  it("refuses a downgrade unless the manifest says it is intended", async () => {
    const d = await device("down", { version: "10.0.0" });
    await signedCommand(d);
    expectRefused(await outcome(d), "Manifest rejected: downgrade from 10.0.0 to 2.0.0 is not marked as intended");
    expect(requestsOf(d)).toEqual([]);

    const flagged = await device("rollback", { version: "10.0.0" });
    await signedCommand(flagged, { claims: { downgrade: true } });
    expect((await outcome(flagged)).at(-1)).toMatchObject({ status: "SUCCESS", version: "2.0.0" });
  });

  it("refuses a command whose unsigned fields disagree with its manifest (a rewritten firmware_url)", async () => {
    const d = await device("url");
    await signedCommand(d, { command: { firmware_url: `${server.origin}/firmware/999999/download?evil=1` } });
    expectRefused(await outcome(d), "Manifest rejected: url differs from the command's firmware_url");
    expect(requestsOf(d)).toEqual([]);

    const v = await device("ver");
    await signedCommand(v, { command: { version: "9.9.9" } });
    expectRefused(await outcome(v), "Manifest rejected: version differs from the command's version");
  });

  it("refuses a command without a manifest, and one signed by a key it does not know", async () => {
    const d = await device("none");
    const claims = claimsFor(d);
    await send(d, commandOf(claims, undefined));
    expectRefused(await outcome(d), "Manifest rejected: the command carries none");

    const stranger = generateSigningKey();
    const s = await device("stranger");
    await signedCommand(s, { key: stranger });
    expectRefused(await outcome(s), `Manifest rejected: signed by unknown key ${JSON.stringify(stranger.kid)}`);
    expect(requestsOf(s)).toEqual([]);
  });
});

describe("a simulated device with the operator's release keys", () => {
  const releaseSig = (sha256: string, k = releaseKey) =>
    sign(null, Buffer.from(sha256, "ascii"), k.privateKey).toString("base64url");
  const provisioned = { releaseKeys: [publicJwk(releaseKey)] };

  it("installs an image whose manifest carries a valid release signature", async () => {
    const d = await device("rel-ok", provisioned);
    await signedCommand(d, { claims: { release: { kid: releaseKey.kid, sig: releaseSig(fw.sha256) } } });
    expect((await outcome(d)).at(-1)).toMatchObject({ status: "SUCCESS" });
  });

  it("refuses a manifest without a release signature, even one Flotilla signed", async () => {
    const d = await device("rel-none", provisioned);
    await signedCommand(d);
    expectRefused(await outcome(d), "Release signature rejected: the manifest carries none");
    expect(requestsOf(d)).toEqual([]);
  });

  it("refuses a release signature over another image, or by a key it does not carry", async () => {
    const d = await device("rel-bad", provisioned);
    await signedCommand(d, { claims: { release: { kid: releaseKey.kid, sig: releaseSig("ab".repeat(32)) } } });
    expectRefused(await outcome(d), "Release signature rejected: bad signature");

    const other = generateSigningKey();
    const e = await device("rel-other", provisioned);
    await signedCommand(e, { claims: { release: { kid: other.kid, sig: releaseSig(fw.sha256, other) } } });
    expectRefused(await outcome(e), `Release signature rejected: signed by unknown key ${JSON.stringify(other.kid)}`);
  });
});

describe("per-device credentials on a broker that enforces device identity", () => {
  let broker: EmbeddedBroker;
  let service: MqttClient;
  const serviceUsername = "svc";
  const servicePassword = randomBytes(16).toString("base64url");

  beforeAll(async () => {
    broker = await startEmbeddedBroker({
      port: await freePort(),
      deviceAuth: { sql: handle.sql, serviceUsername, servicePassword },
    });
    service = await mqtt.connectAsync(broker.url, {
      clientId: `trust-service-${uid()}`,
      username: serviceUsername,
      password: servicePassword,
      clean: true,
    });
    observe(service);
    await service.subscribeAsync(`tenant/${tenantId}/device/+/ota/status`, { qos: 1 });
  });
  afterAll(async () => {
    await service?.endAsync();
    await broker?.close();
  });

  async function registered(n: number) {
    const ids = Array.from({ length: n }, () => `auth-${uid()}`);
    await handle.db.insert(deviceTable).values(ids.map((deviceId) => ({ tenantId, deviceId, fwVersion: "1.0.0" })));
    return ids;
  }

  it("connects as {tenant}:{device} with its own password, and updates end to end", async () => {
    const [id] = await registered(1);
    const passwords = await issueSimulatorCredentials(handle.db, tenantId, [id!]);
    const d = new SimulatedDevice({
      tenantId,
      deviceId: id!,
      password: passwords.get(id!),
      jwks,
      mqtt: { url: broker.url },
      version: "1.0.0",
      delayMs: 5,
    });
    started.push(d);
    await d.start();
    const claims = claimsFor(d);
    await service.publishAsync(
      commandTopic(tenantId, id!),
      JSON.stringify(commandOf(claims, signManifest(claims, key))),
      {
        qos: 1,
      },
    );
    expect((await outcome(d)).at(-1)).toMatchObject({ status: "SUCCESS", version: "2.0.0" });
  });

  it("cannot connect without its password, with a wrong one, or with the open broker's old identity", async () => {
    const [id] = await registered(1);
    await issueSimulatorCredentials(handle.db, tenantId, [id!]);
    const attempt = (opts: Partial<ConstructorParameters<typeof SimulatedDevice>[0]>) => {
      const d = new SimulatedDevice({
        tenantId,
        deviceId: id!,
        mqtt: { url: broker.url, reconnectPeriodMs: 0 },
        ...opts,
      });
      started.push(d);
      return d.start();
    };
    await expect(attempt({ password: "not-the-password" })).rejects.toThrow(/cannot connect/);
    await expect(attempt({})).rejects.toThrow(/cannot connect/);
  });

  /** `npm run simulate` against the authenticating broker. */
  function simulate(args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env, MQTT_URL: broker.url };
    delete env.MQTT_USERNAME;
    delete env.MQTT_PASSWORD;
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/simulate.ts", ...args], { env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, output: () => out, exited };
  }

  async function whileRunning(run: ReturnType<typeof simulate>, ready: string, fn: () => Promise<void>) {
    try {
      await poll(`"${ready}"`, () => run.output().includes(ready) || run.child.exitCode !== null, {
        timeoutMs: 15_000,
        intervalMs: 50,
      });
      if (run.child.exitCode !== null) throw new Error(`simulator exited:\n${run.output()}`);
      await fn();
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
  }

  it("npm run simulate --credentials: the factory CSV's devices, with a JWKS file", async () => {
    const ids = await registered(2);
    const passwords = await issueSimulatorCredentials(handle.db, tenantId, ids);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-trust-"));
    try {
      const csv = path.join(dir, "factory.csv");
      const lines = ids.map((id) => `${id},${tenantId}:${id},${tenantId}:${id},${passwords.get(id)}`);
      fs.writeFileSync(csv, ["device_id,client_id,username,password", ...lines, ""].join("\r\n"));
      const jwksFile = path.join(dir, "jwks.json");
      fs.writeFileSync(jwksFile, JSON.stringify(jwks));

      const run = simulate(["--tenant", tenantId, "--credentials", csv, "--jwks", jwksFile, "--delay-ms", "5"]);
      await whileRunning(run, "ready: 2 devices", async () => {
        expect(run.output()).toContain(`their own credentials from ${csv}; manifests verified against ${jwksFile}`);
        const target = { tenantId, deviceId: ids[1]! };
        const claims = claimsFor(target);
        const cmd = commandOf(claims, signManifest(claims, key));
        await service.publishAsync(commandTopic(tenantId, ids[1]!), JSON.stringify(cmd), { qos: 1 });
        expect((await outcome(target)).at(-1)).toMatchObject({ status: "SUCCESS" });
        // And a forged one to the other device is refused by the running simulator too.
        const other = { tenantId, deviceId: ids[0]! };
        const forged = commandOf(claimsFor(other), signManifest(claimsFor(other), generateSigningKey()));
        await service.publishAsync(commandTopic(tenantId, ids[0]!), JSON.stringify(forged), { qos: 1 });
        expectRefused(await outcome(other), /^Manifest rejected: signed by unknown key/);
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("npm run simulate --issue-credentials: a group's devices re-keyed, verifying with the tenant's JWKS from the database", async () => {
    const ids = await registered(2);
    const groupId = `g-${uid()}`;
    await handle.db.insert(deviceGroups).values({ tenantId, groupId, name: "trust CLI" });
    await handle.db.insert(deviceGroupMembers).values(ids.map((deviceId) => ({ tenantId, groupId, deviceId })));

    const run = simulate(["--tenant", tenantId, "--group", groupId, "--issue-credentials", "--delay-ms", "5"]);
    await whileRunning(run, "ready: 2 devices", async () => {
      expect(run.output()).toContain(
        "their own credentials, issued now; manifests verified against their tenant's JWKS",
      );
      const rows = await handle.sql`
        SELECT mqtt_secret_hash FROM devices WHERE tenant_id = ${tenantId} AND device_id = ANY(${ids})`;
      expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.mqtt_secret_hash))).toBe(true);
      // Signed as the worker signs: with the tenant's active key.
      const signer = await manifestSigners(handle.db, process.env.AUTH_SECRET!).forTenant(tenantId);
      const target = { tenantId, deviceId: ids[0]! };
      const claims = claimsFor(target);
      await service.publishAsync(
        commandTopic(tenantId, ids[0]!),
        JSON.stringify(commandOf(claims, signManifest(claims, signer))),
        { qos: 1 },
      );
      expect((await outcome(target)).at(-1)).toMatchObject({ status: "SUCCESS" });
    });
  });
});
