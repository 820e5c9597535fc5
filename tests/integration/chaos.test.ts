import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ScenarioResult } from "../../chaos/runner";
import { SCENARIO_NAMES } from "../../chaos/scenarios";

/**
 * The fault-injection suite (`npm run chaos`, chaos/) at a small size: every scenario
 * with 500 scripted devices and 2 faults. The runner starts its own PostgreSQL and its
 * own Mosquitto (/usr/sbin/mosquitto, or MOSQUITTO_BIN), whatever DATABASE_URL and
 * MQTT_URL say, because it stops and kills them; without Mosquitto it fails, loudly.
 * CHAOS_SEED reproduces a run's fault instants and failing devices.
 */
const SEED = process.env.CHAOS_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
const DEVICES = "500";
const FAULTS = "2";
/** The runner's own deadline for COMPLETED is 72 s at 500 devices; this bounds the whole run. */
const SCENARIO_TIMEOUT_MS = 150_000;

function runChaos(scenario: string): Promise<{ code: number | null; out: string; result: ScenarioResult | null }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-chaos-test-"));
  const json = path.join(dir, "result.json");
  const args = [
    "--import",
    "tsx",
    "chaos/run.ts",
    "--devices",
    DEVICES,
    "--faults",
    FAULTS,
    "--scenario",
    scenario,
    "--seed",
    SEED,
    "--json",
    json,
  ];
  const child = spawn(process.execPath, args, { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => {
    // The runner bounds every wait itself; this is the backstop. SIGINT lets it clean up.
    const timer = setTimeout(() => child.kill("SIGINT"), SCENARIO_TIMEOUT_MS - 10_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      let result: ScenarioResult | null = null;
      if (fs.existsSync(json))
        result = (JSON.parse(fs.readFileSync(json, "utf8")) as { results: ScenarioResult[] }).results[0] ?? null;
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, out, result });
    });
  });
}

describe(`chaos suite, ${DEVICES} devices, ${FAULTS} faults per scenario (CHAOS_SEED=${SEED})`, () => {
  for (const scenario of SCENARIO_NAMES) {
    it(
      scenario,
      async () => {
        const { code, out, result } = await runChaos(scenario);
        const context = `CHAOS_SEED=${SEED} npm run chaos -- --devices ${DEVICES} --faults ${FAULTS} --scenario ${scenario}\n${out.split("\n").slice(-40).join("\n")}`;
        expect(result, `the runner produced no result:\n${context}`).not.toBeNull();
        const r = result!;
        expect(r.failures, context).toEqual([]);
        expect(r.faults.length, context).toBe(Number(FAULTS));
        expect(r.check?.campaign.status, context).toBe("COMPLETED");
        expect(r.check?.disagreements, context).toBe(0);
        expect(r.check?.reportsLost, context).toBe(0);
        expect(r.check?.countersExact, context).toBe(true);
        expect(r.workerCrashes, context).toBe(0);
        expect(code, context).toBe(0);
      },
      SCENARIO_TIMEOUT_MS,
    );
  }
});
