import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import mqtt from "mqtt";
import { freePort } from "@/lib/embedded/ports";
import { Dynsec } from "@/lib/mqtt/dynsec";
import { poll } from "./time";

/**
 * A Mosquitto of a test's own with the dynamic-security plugin, on a free port of loopback,
 * in a temporary directory: never the machine's broker (other tests use that one). Found
 * where Debian puts it, or at MOSQUITTO_BIN / MOSQUITTO_DYNSEC_PLUGIN.
 */
const BIN_CANDIDATES = [process.env.MOSQUITTO_BIN, "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"];
const PLUGIN_CANDIDATES = [
  process.env.MOSQUITTO_DYNSEC_PLUGIN,
  "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
  "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
  "/usr/lib/mosquitto_dynamic_security.so",
  "/usr/local/lib/mosquitto_dynamic_security.so",
];
const CTRL_CANDIDATES = [process.env.MOSQUITTO_CTRL_BIN, "/usr/bin/mosquitto_ctrl", "/usr/local/bin/mosquitto_ctrl"];

const firstFile = (candidates: (string | undefined)[]) => candidates.find((c) => c && fs.existsSync(c));

export const mosquittoBin = firstFile(BIN_CANDIDATES);
export const dynsecPlugin = firstFile(PLUGIN_CANDIDATES);
export const mosquittoCtrl = firstFile(CTRL_CANDIDATES);

/** Why these tests cannot run here (null when they can): for `describe.skipIf` and its message. */
export const mosquittoMissing: string | null = !mosquittoBin
  ? "the mosquitto binary was not found (apt install mosquitto, or set MOSQUITTO_BIN)"
  : !dynsecPlugin
    ? "mosquitto_dynamic_security.so was not found (set MOSQUITTO_DYNSEC_PLUGIN)"
    : !mosquittoCtrl
      ? "mosquitto_ctrl was not found (apt install mosquitto-clients, or set MOSQUITTO_CTRL_BIN)"
      : null;

export interface TestMosquitto {
  url: string;
  port: number;
  pid: number;
  /**
   * The service credential (MQTT_USERNAME / MQTT_PASSWORD), made as docs/mosquitto-dynsec.md
   * says: the administrator of `mosquitto_ctrl dynsec init` (role `admin`, to which Flotilla
   * adds `flotilla-service`).
   */
  service: { username: string; password: string };
  /** A second administrator, for a test's own inspections and changes behind Flotilla's back. */
  admin: { username: string; password: string };
  /** What the broker logged so far (for a failing test's message). */
  output: () => string;
  stop: () => Promise<void>;
}

export async function startMosquittoDynsec(): Promise<TestMosquitto> {
  if (mosquittoMissing) throw new Error(`Mosquitto cannot be started: ${mosquittoMissing}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-mosquitto-"));
  const port = await freePort();
  const admin = { username: "admin", password: randomBytes(18).toString("base64url") };
  const service = { username: "flotilla", password: randomBytes(18).toString("base64url") };
  const configFile = path.join(dir, "dynamic-security.json");
  const init = spawnSync(mosquittoCtrl!, ["dynsec", "init", configFile, service.username, service.password], {
    encoding: "utf8",
  });
  if (init.status !== 0) throw new Error(`mosquitto_ctrl dynsec init failed: ${init.stderr}${init.stdout}`);
  const conf = path.join(dir, "mosquitto.conf");
  fs.writeFileSync(
    conf,
    [
      // Run as root (tests do), Mosquitto would drop to user `mosquitto`, who cannot write our
      // temporary directory; started by anyone else, the line is ignored.
      "user root",
      "per_listener_settings false",
      "allow_anonymous false",
      `listener ${port} 127.0.0.1`,
      `plugin ${dynsecPlugin}`,
      `plugin_opt_config_file ${configFile}`,
      "persistence false",
      "log_dest stdout",
      "",
    ].join("\n"),
  );
  let output = "";
  const child: ChildProcess = spawn(mosquittoBin!, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  child.stderr!.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `mqtt://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killed = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(killed);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await poll(
      "Mosquitto to accept the service credential",
      async () => {
        if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}): ${output}`);
        const c = await mqtt
          .connectAsync(url, { ...service, reconnectPeriod: 0, connectTimeout: 1000 })
          .catch(() => null);
        await c?.endAsync();
        return c !== null;
      },
      { timeoutMs: 10_000, intervalMs: 100, detail: () => `: ${output}` },
    );
    const d = await Dynsec.connect({ url, ...service });
    await d
      .runOrThrow([{ command: "createClient", ...admin, roles: [{ rolename: "admin" }] }])
      .finally(() => d.close());
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, pid: child.pid!, admin, service, output: () => output, stop };
}
