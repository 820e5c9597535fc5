import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/embedded/ports";
import { poll } from "../support/time";

/**
 * `npm start` on the embedded default, as a user would run it: a new data
 * directory, no DATABASE_URL or MQTT_URL, then Ctrl-C (SIGINT to the whole
 * process group, as a terminal sends it). Needs the production build that
 * `npm test` makes first.
 */
const hasBuild = fs.existsSync(path.resolve(".next", "BUILD_ID"));
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
    const firmware = await (
      await fetch(`${base}/customer/firmware`, { headers: { Authorization: `Bearer ${access_token}` } })
    ).json();
    expect(firmware.firmware_versions.map((f: { version: string }) => f.version).sort()).toEqual([
      "1.0.0",
      "1.1.0",
      "1.2.0",
    ]);

    expect(await ctrlC(first)).toBe(0);
    for (const port of Object.values(ports))
      expect({ port, listening: await listening(port) }).toEqual({ port, listening: false });

    // Second start: the same database (not seeded again) and the same signing key.
    const second = start(ports);
    await until("the restarted server", async () => ((await fetch(`${base}/login`)).ok ? true : undefined), second);
    expect(second.output()).not.toContain("demo data seeded");
    const again = await fetch(`${base}/customer/firmware`, { headers: { Authorization: `Bearer ${access_token}` } });
    expect(again.status).toBe(200);
    expect(await ctrlC(second)).toBe(0);
    for (const port of Object.values(ports)) expect(await listening(port)).toBe(false);
  }, 180_000);
});
