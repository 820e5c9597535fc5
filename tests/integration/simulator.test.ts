import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { manifestSigners } from "@/lib/ota/signing-keys";
import { signManifest } from "@/lib/rollout/manifest";
import { commandTopic, statusTopic, type OtaCommand } from "@/lib/rollout/protocol";
import {
  CHECKSUM_MISMATCH,
  INSTALL_FAILURE,
  SimulatedDevice,
  type DeviceBehaviour,
  type DeviceReport,
} from "@/lib/simulator/device";
import { deviceGroupMembers, deviceGroups, devices as deviceTable } from "@/lib/db/schema";
import { createTestTenant, testDb } from "../support/db";
import {
  createTestFirmware,
  startDownloadServer,
  type DownloadServer,
  type TestFirmware,
} from "../support/download-server";
import { poll, sleep } from "../support/time";

/**
 * The device simulator against the real broker and the production download code:
 * commands are published and reports read with plain mqtt.js clients, as the worker
 * will. Every test has its own MQTT tenant and device ids (other files share the broker).
 */
const mqttUrl = process.env.MQTT_URL!;
const handle = testDb();
let server: DownloadServer;
let fw: TestFirmware;
let tenantId: string;
let observer: MqttClient;
/** Reports by `tenant/device`, in arrival order. */
const reports = new Map<string, DeviceReport[]>();
const devices: SimulatedDevice[] = [];

const uid = () => randomBytes(4).toString("hex");
const key = (tenantId: string, deviceId: string) => `${tenantId}/${deviceId}`;

beforeAll(async () => {
  ({ tenantId } = await createTestTenant(handle, "sim"));
  fw = await createTestFirmware(handle.db, tenantId, { version: "2.0.0", size: 1_000_000 });
  server = await startDownloadServer(handle.db);
  observer = await mqtt.connectAsync(mqttUrl, { clientId: `sim-observer-${uid()}`, clean: true });
  observer.on("message", (topic, payload) => {
    const m = /^tenant\/([^/]+)\/device\/([^/]+)\/ota\/status$/.exec(topic);
    if (!m) return;
    const k = key(m[1]!, m[2]!);
    reports.set(k, [...(reports.get(k) ?? []), JSON.parse(payload.toString())]);
  });
});

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
});

afterAll(async () => {
  await observer?.endAsync();
  await server?.close();
  await handle.close();
});

/** A started device of a fresh tenant id, paced fast for tests. */
async function device(label: string, behaviour: DeviceBehaviour = {}, reconnectPeriodMs = 1000) {
  const tenantId = `simt-${uid()}`;
  const d = new SimulatedDevice({
    tenantId,
    deviceId: `${label}-${uid()}`,
    mqtt: { url: mqttUrl, reconnectPeriodMs },
    delayMs: 10,
    ...behaviour,
  });
  await observer.subscribeAsync(statusTopic(tenantId, d.deviceId), { qos: 1 });
  devices.push(d);
  await d.start();
  return d;
}

/** A command without a manifest: these devices are provisioned with no JWKS (simulator-trust.test.ts has those). */
type UnsignedCommand = Omit<OtaCommand, "manifest">;

async function command(d: SimulatedDevice, overrides: Partial<UnsignedCommand> = {}) {
  const cmd: UnsignedCommand = {
    campaign_id: 1000 + Math.floor(Math.random() * 1_000_000),
    firmware_url: fw.url(server.origin),
    version: fw.version,
    checksum: fw.sha256,
    action: "update",
    size: fw.sizeBytes,
    ...overrides,
  };
  await observer.publishAsync(commandTopic(d.tenantId, d.deviceId), JSON.stringify(cmd), { qos: 1 });
  return cmd;
}

const reportsOf = (d: SimulatedDevice) => reports.get(key(d.tenantId, d.deviceId)) ?? [];

const until = (d: SimulatedDevice, what: string, done: (r: DeviceReport[]) => boolean, timeoutMs = 5000) =>
  poll(what, () => (done(reportsOf(d)) ? reportsOf(d) : undefined), {
    timeoutMs,
    intervalMs: 20,
    detail: () => `; reports: ${JSON.stringify(reportsOf(d))}`,
  });
const final = (r: DeviceReport[]) => r.some((x) => x.status === "SUCCESS" || x.status === "FAILED");

/** Requests the server got after `from`, for this device (the simulator names itself in User-Agent). */
const requestsOf = (d: SimulatedDevice, from = 0) =>
  server.requests.slice(from).filter((r) => r.userAgent?.includes(`(${d.deviceId})`));

describe("device simulator", () => {
  it("downloads with real progress, installs, and reports SUCCESS with the new version", async () => {
    const d = await device("ok");
    const cmd = await command(d);
    const r = await until(d, "a final report", final);

    expect(r.every((x) => x.campaign_id === cmd.campaign_id)).toBe(true);
    expect(r.map((x) => x.status).filter((s, i, a) => s !== a[i - 1])).toEqual([
      "DOWNLOADING",
      "INSTALLING",
      "SUCCESS",
    ]);
    const downloading = r.filter((x) => x.status === "DOWNLOADING").map((x) => x.progress);
    expect(downloading[0]).toBe(0);
    expect(downloading.at(-1)).toBe(100);
    expect(downloading).toEqual([...downloading].sort((a, b) => a - b));
    // Real byte progress: something between the start and the end was reported.
    expect(downloading.some((p) => p > 0 && p < 100)).toBe(true);
    const installing = r.filter((x) => x.status === "INSTALLING").map((x) => x.progress);
    expect(installing.length).toBeGreaterThan(1);
    expect(installing).toEqual([...installing].sort((a, b) => a - b));
    expect(r.at(-1)).toEqual({
      campaign_id: cmd.campaign_id,
      status: "SUCCESS",
      progress: 100,
      error: null,
      version: "2.0.0",
    });
    expect(d.version).toBe("2.0.0");
    expect(requestsOf(d).map((q) => [q.method, q.range, q.status])).toEqual([["GET", null, 200]]);
  });

  it("reports FAILED 'Checksum mismatch after download' when the SHA-256 differs", async () => {
    const d = await device("sum");
    await command(d, { checksum: "0".repeat(64) });
    const r = await until(d, "a final report", final);
    expect(r.at(-1)).toMatchObject({ status: "FAILED", error: CHECKSUM_MISMATCH });
    expect(r.some((x) => x.status === "INSTALLING" || x.status === "SUCCESS")).toBe(false);
  });

  it("resumes an interrupted download with Range and If-Range, and still succeeds", async () => {
    const d = await device("cut", { interruptRate: 1, random: () => 0.5 });
    await command(d);
    const r = await until(d, "a final report", final);
    expect(r.at(-1)).toMatchObject({ status: "SUCCESS", version: "2.0.0" });
    const got = requestsOf(d);
    expect(got).toHaveLength(2);
    expect(got[0]).toMatchObject({ method: "GET", range: null, status: 200 });
    const offset = Number(/^bytes=(\d+)-$/.exec(got[1]!.range ?? "")?.[1]);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(fw.sizeBytes);
    expect(got[1]).toMatchObject({ ifRange: `"${fw.sha256}"`, status: 206 });
    // The restart did not move progress backwards.
    const downloading = r.filter((x) => x.status === "DOWNLOADING").map((x) => x.progress);
    expect(downloading).toEqual([...downloading].sort((a, b) => a - b));
  });

  it("fails a device whose id contains -fail-, after installing", async () => {
    const d = await device("dev-fail-x");
    await command(d);
    const r = await until(d, "a final report", final);
    expect(r.at(-1)).toMatchObject({ status: "FAILED", error: INSTALL_FAILURE });
    expect(r.some((x) => x.status === "INSTALLING")).toBe(true);
    expect(r.some((x) => x.status === "SUCCESS")).toBe(false);
  });

  it("fails by fail rate, and goes silent by silent rate", async () => {
    const failing = await device("rate", { failRate: 1 });
    // Silent for the first campaign only: the first draw is 0, every later one 0.99.
    let draws = 0;
    const silent = await device("quiet", { silentRate: 0.5, random: () => (draws++ === 0 ? 0 : 0.99) });
    await command(failing);
    const silentCmd = await command(silent);
    const r = await until(failing, "a final report", final);
    expect(r.at(-1)).toMatchObject({ status: "FAILED", error: INSTALL_FAILURE });
    await sleep(300);
    expect(reportsOf(silent)).toEqual([]);
    expect(requestsOf(silent)).toEqual([]);
    // Silent for that campaign also means deaf to its re-sends.
    await command(silent, { campaign_id: silentCmd.campaign_id });
    await sleep(100);
    expect(reportsOf(silent)).toEqual([]);
    // The next campaign is worked on as usual.
    const next = await command(silent, { campaign_id: silentCmd.campaign_id + 1 });
    const r2 = await until(silent, "the next campaign's result", final);
    expect(r2.at(-1)).toMatchObject({ campaign_id: next.campaign_id, status: "SUCCESS" });
  });

  it("never starts a campaign again for a duplicate command, and answers it with its latest report", async () => {
    const d = await device("dup");
    const cmd = await command(d);
    await command(d, cmd); // while running
    await until(d, "a final report", final);
    await sleep(300);
    expect(reportsOf(d).filter((x) => x.status === "SUCCESS")).toHaveLength(1);
    await command(d, cmd); // after finishing: the worker may have missed the result
    await until(d, "the re-sent result", (rs) => rs.filter((x) => x.status === "SUCCESS").length === 2);
    await sleep(300);
    const r = reportsOf(d);
    expect(r.filter((x) => x.status === "SUCCESS")).toHaveLength(2);
    expect(r.at(-1)).toEqual(r.filter((x) => x.status === "SUCCESS")[0]);
    // One download, one install: the duplicates started nothing.
    expect(requestsOf(d)).toHaveLength(1);
    expect(r.filter((x) => x.status === "INSTALLING" && x.progress === 0)).toHaveLength(1);

    // A new campaign is not a duplicate.
    const next = await command(d, { campaign_id: cmd.campaign_id + 1 });
    await until(d, "the second campaign's result", (rs) =>
      rs.some((x) => x.campaign_id === next.campaign_id && x.status === "SUCCESS"),
    );
  });

  it("re-sends its latest report for the current campaign when it reconnects", async () => {
    const d = await device("recon", {}, 100);
    const cmd = await command(d);
    await until(d, "a final report", final);
    // Let every PUBACK arrive first, so that what follows is the re-send, not mqtt.js retrying an unacknowledged publish.
    await sleep(200);
    const before = reportsOf(d).length;
    d.dropConnection();
    const r = await until(d, "the re-sent report", (rs) => rs.length > before);
    await sleep(100);
    // At least once: a broker may deliver the re-send twice.
    expect(new Set(r.slice(before).map((x) => JSON.stringify(x)))).toEqual(
      new Set([
        JSON.stringify({
          campaign_id: cmd.campaign_id,
          status: "SUCCESS",
          progress: 100,
          error: null,
          version: "2.0.0",
        }),
      ]),
    );
  });

  it("reports FAILED 'Download failed: HTTP 403' for a bad signature, and survives an unreachable server", async () => {
    const d = await device("deny");
    const url = new URL(fw.url(server.origin));
    url.searchParams.set("sig", "x".repeat(43));
    await command(d, { firmware_url: url.toString() });
    const r = await until(d, "a final report", final);
    expect(r.at(-1)).toMatchObject({ status: "FAILED", error: "Download failed: HTTP 403" });
    expect(requestsOf(d).map((q) => q.status)).toEqual([403]);

    const closed = await startDownloadServer(handle.db);
    await closed.close();
    const next = await command(d, { firmware_url: fw.url(closed.origin) });
    const r2 = await until(d, "the unreachable download's result", (rs) =>
      rs.some((x) => x.campaign_id === next.campaign_id && x.status === "FAILED"),
    );
    expect(r2.at(-1)!.error).toMatch(/^Download failed: .*ECONNREFUSED/);
  });
});

/** `npm run simulate` as a process, with the test services' environment. */
function simulate(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/simulate.ts", ...args], { env: process.env });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe("npm run simulate", () => {
  it("simulates a group's members from the database, with their registered versions and their tenant's keys, and stops cleanly on SIGTERM", async () => {
    const groupId = `g-${uid()}`;
    const ids = [`cli-${uid()}`, `cli-${uid()}`];
    await handle.db.insert(deviceTable).values(ids.map((deviceId) => ({ tenantId, deviceId, fwVersion: "1.0.0" })));
    await handle.db.insert(deviceGroups).values({ tenantId, groupId, name: "CLI test" });
    await handle.db.insert(deviceGroupMembers).values(ids.map((deviceId) => ({ tenantId, groupId, deviceId })));
    for (const id of ids) await observer.subscribeAsync(statusTopic(tenantId, id), { qos: 1 });

    const run = simulate(["--tenant", tenantId, "--group", groupId, "--delay-ms", "5"]);
    try {
      const deadline = Date.now() + 8000;
      while (!run.output().includes("ready: 2 devices")) {
        if (Date.now() > deadline || run.child.exitCode !== null)
          throw new Error(`simulator not ready:\n${run.output()}`);
        await sleep(50);
      }
      expect(run.output()).toContain("manifests verified against their tenant's JWKS");
      const fields = {
        campaign_id: 77,
        firmware_url: fw.url(server.origin),
        version: fw.version,
        checksum: fw.sha256,
        action: "update" as const,
        size: fw.sizeBytes,
      };
      // Read from the database, the devices verify manifests: this one is signed as the worker signs.
      const signer = await manifestSigners(handle.db, process.env.AUTH_SECRET!).forTenant(tenantId);
      const now = Math.floor(Date.now() / 1000);
      const manifest = signManifest(
        {
          tenant_id: tenantId,
          device_id: ids[1]!,
          campaign_id: 77,
          version: fw.version,
          sha256: fw.sha256,
          size: fw.sizeBytes,
          url: fields.firmware_url,
          iat: now,
          exp: now + 600,
        },
        signer,
      );
      const cmd: OtaCommand = { ...fields, manifest };
      await observer.publishAsync(commandTopic(tenantId, ids[1]!), JSON.stringify(cmd), { qos: 1 });
      const deadline2 = Date.now() + 5000;
      while (!(reports.get(key(tenantId, ids[1]!)) ?? []).some((x) => x.status === "SUCCESS")) {
        if (Date.now() > deadline2) throw new Error(`no SUCCESS:\n${run.output()}`);
        await sleep(20);
      }
      expect(run.output()).toContain(`${ids[1]}: campaign 77: updating 1.0.0 → 2.0.0`);
    } finally {
      run.child.kill("SIGTERM");
    }
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain("stopped");
    expect(reports.get(key(tenantId, ids[0]!))).toBeUndefined();
  });

  it("refuses bad arguments with exit code 2, and an unknown group with exit code 1", async () => {
    const bad = simulate(["--tenant", tenantId, "--fail-rate", "3"]);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain("--fail-rate: must be between 0 and 1");
    const unknown = simulate(["--tenant", tenantId, "--group", "no-such-group"]);
    expect(await unknown.exited).toBe(1);
    expect(unknown.output()).toContain(`tenant ${tenantId} has no device group "no-such-group"`);
  });
});
