import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/embedded/ports";
import { poll } from "../support/time";

/**
 * `npm start` on the embedded default, as a user would run it: a new data
 * directory, no DATABASE_URL or MQTT_URL, then Ctrl-C (SIGINT to the whole
 * process group, as a terminal sends it). Needs the production build that
 * `npm test` makes first (where NEXT_DIST_DIR puts it, as `npm start` looks for it).
 */
const hasBuild = fs.existsSync(path.resolve(process.env.NEXT_DIST_DIR || ".next", "BUILD_ID"));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-start-"));
fs.chmodSync(dataDir, 0o777); // the embedded server runs as `postgres` when we are root
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(ports: { web: number; pg: number; mqtt: number }): Started {
  const env = { ...process.env };
  for (const k of ["DATABASE_URL", "MQTT_URL", "AUTH_SECRET", "PUBLIC_URL", "FLOTILLA_TEST_SERVICES"]) delete env[k];
  Object.assign(env, {
    DATA_DIR: dataDir,
    PORT: String(ports.web),
    EMBEDDED_PG_PORT: String(ports.pg),
    MQTT_PORT: String(ports.mqtt),
    // A fast tick, so that the demo campaign below takes seconds.
    OTA_TICK_INTERVAL_MS: "1000",
    // npm test turns the demo fleet off for its own server (scripts/test.ts); this test is about it.
    SIMULATE_DEVICES: "1",
  });
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], { env, detached: true });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

const until = <T>(what: string, fn: () => Promise<T | undefined>, s: Started, timeoutMs = 90_000) =>
  poll(what, () => fn().catch(() => undefined), {
    timeoutMs,
    intervalMs: 300,
    detail: () => `; output:\n${s.output()}`,
  });

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });

async function ctrlC(s: Started) {
  process.kill(-s.child.pid!, "SIGINT");
  const code = await Promise.race([s.exited, new Promise((r) => setTimeout(() => r("timeout"), 30_000))]);
  return code;
}

describe.skipIf(!hasBuild)("npm start (embedded default)", () => {
  it("serves the login page, lets the demo admin in, and stops everything on Ctrl-C; data and secret survive a restart", async () => {
    const ports = { web: await freePort(), pg: await freePort(), mqtt: await freePort() };
    const base = `http://127.0.0.1:${ports.web}`;

    const first = start(ports);
    const loginPage = await until(
      "the login page",
      async () => {
        const res = await fetch(`${base}/login`);
        return res.ok ? await res.text() : undefined;
      },
      first,
    );
    expect(loginPage).toContain("Sign in");
    expect(first.output()).toContain("new database: demo data seeded");
    expect(first.output()).toMatch(/demo login: admin@acme\.example \/ flotilla-demo/);
    await until(
      "the worker",
      async () => (first.output().includes("[worker] ") && first.output().includes("ready") ? true : undefined),
      first,
    );

    const tokenRes = await fetch(`${base}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@acme.example", password: "flotilla-demo" }),
    });
    expect(tokenRes.status).toBe(200);
    const { access_token } = await tokenRes.json();
    const authz = { Authorization: `Bearer ${access_token}` };
    const firmware = await (await fetch(`${base}/customer/firmware`, { headers: authz })).json();
    expect(firmware.firmware_versions.map((f: { version: string }) => f.version).sort()).toEqual([
      "1.0.0",
      "1.1.0",
      "1.2.0",
    ]);

    // The demo fleet connected with credentials issued to each device, to a broker that
    // refuses anyone without, and verifies manifests against its tenant's keys.
    await until(
      "the simulated fleet",
      async () => /\[sim\].*ready: 30 devices/.test(first.output()) || undefined,
      first,
    );
    expect(first.output()).toContain(
      "with their own credentials, issued now; manifests verified against their tenant's JWKS",
    );
    await expect(
      mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, { clientId: "anonymous", reconnectPeriod: 0 }),
    ).rejects.toThrow();

    // …and updates end to end: a campaign of the canary group to 1.2.0 completes.
    const v120 = firmware.firmware_versions.find((f: { version: string }) => f.version === "1.2.0");
    const created = await fetch(`${base}/customer/ota/campaigns`, {
      method: "POST",
      headers: { ...authz, "content-type": "application/json" },
      body: JSON.stringify({ name: "start test", firmware_version_id: v120.id, target_group_id: "canary" }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await fetch(`${base}/customer/ota/campaigns/${id}/start`, { method: "POST", headers: authz })).status).toBe(
      200,
    );
    const done = await until(
      "the demo campaign to complete",
      async () => {
        const c = await (await fetch(`${base}/customer/ota/campaigns/${id}`, { headers: authz })).json();
        return c.status === "COMPLETED" || c.status === "ABORTED" ? c : undefined;
      },
      first,
      60_000,
    );
    expect(done).toMatchObject({ status: "COMPLETED", succeeded: 2, failed: 0 });

    expect(await ctrlC(first)).toBe(0);
    for (const port of Object.values(ports))
      expect({ port, listening: await listening(port) }).toEqual({ port, listening: false });

    // Second start: the same database (not seeded again) and the same signing key.
    const second = start(ports);
    await until("the restarted server", async () => ((await fetch(`${base}/login`)).ok ? true : undefined), second);
    expect(second.output()).not.toContain("demo data seeded");
    // The passwords of the first run were only in its memory: the fleet is re-keyed and connects again.
    await until(
      "the restarted fleet",
      async () => /\[sim\].*ready: 30 devices/.test(second.output()) || undefined,
      second,
    );
    const again = await fetch(`${base}/customer/firmware`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(again.status).toBe(200);
    expect(await ctrlC(second)).toBe(0);
    for (const port of Object.values(ports)) expect(await listening(port)).toBe(false);
  }, 240_000);
});
