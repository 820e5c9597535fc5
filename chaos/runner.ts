import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDb } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { FINAL_CAMPAIGN_STATUSES } from "@/lib/rules/statuses";
import { checkCampaign, type CheckResult } from "./check";
import { ScriptedFleet, type FleetStats } from "./devices";
import { Monitor } from "./monitor";
import { createFleet, INITIAL_VERSION, startCampaign, TENANT } from "./fixtures";
import { deriveSeed, seededRng, type Rng } from "./rng";
import { faultInstants, SCENARIOS, type FaultRecord, type ScenarioName } from "./scenarios";
import { ChaosMosquitto, ChaosPostgres } from "./services";
import { REPO_ROOT, WorkerSlot } from "./workers";

export interface RunSettings {
  devices: number;
  /** Faults per scenario; undefined: each scenario's default. */
  faults?: number;
  seed: number;
  tickMs: number;
  /** The rollout rate is chosen so that dispatching the whole fleet takes about this long. */
  dispatchSeconds: number;
  deviceTimeoutSeconds: number;
  probeGraceMs: number;
  /** Share of devices whose install fails (deterministic, from the seed). */
  failRate: number;
  /** Share of devices silent for longer than the device timeout before their final report. */
  slowRate: number;
  /** Fail the scenario if the campaign is not COMPLETED this long after its start. */
  deadlineSeconds: number;
  /** Give each worker slot a fixed OTA_INGEST_SESSION; otherwise the engine's default. */
  ingestSession: boolean;
  /** Extra environment for every worker (an experiment: e.g. MQTT_SHARED_SUBSCRIPTION=false). */
  workerEnv: Record<string, string>;
  /** Mosquitto's persistence: "seconds:N" (autosave_interval) or "changes:N" (autosave_on_changes). */
  autosave: string;
  keepTmp: boolean;
  log: (line: string) => void;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  devices: number;
  seed: number;
  faults: FaultRecord[];
  rolloutRate: number;
  plannedFailures: number;
  slowDevices: number;
  ok: boolean;
  failures: string[];
  timeToCompletedS: number | null;
  check: CheckResult | null;
  fleet: FleetStats | null;
  workerLog: Record<string, number>;
  workerStarts: number;
  workerCrashes: number;
  /** Where the worker, PostgreSQL and Mosquitto logs of a failed scenario were kept. */
  logsDir: string | null;
  error: string | null;
  wallSeconds: number;
}

/**
 * Everything a scenario started, stopped in reverse order, each step bounded. Called from
 * the end of a scenario and from a signal handler, possibly at once: a second caller
 * waits for the first, and steps pushed meanwhile are stopped too.
 */
export class Teardown {
  private steps: { what: string; fn: () => Promise<unknown> }[] = [];
  private running: Promise<void> | null = null;

  push(what: string, fn: () => Promise<unknown>) {
    this.steps.push({ what, fn });
  }

  async run(log: (line: string) => void): Promise<void> {
    while (this.running) await this.running;
    this.running = (async () => {
      for (let s = this.steps.pop(); s; s = this.steps.pop()) {
        const timer = new AbortController();
        const what = s.what;
        const timeout = sleep(20_000, undefined, { signal: timer.signal }).then(
          () => log(`teardown: ${what} did not finish within 20 s`),
          () => {},
        );
        await Promise.race([s.fn().catch((e: Error) => log(`teardown: ${what}: ${e.message}`)), timeout]);
        timer.abort();
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }
}

export async function runScenario(name: ScenarioName, s: RunSettings, teardown: Teardown): Promise<ScenarioResult> {
  const sc = SCENARIOS[name];
  const seed = deriveSeed(s.seed, name);
  const rng = seededRng(seed);
  const log = (line: string) => s.log(`[${name}] ${line}`);
  const k = s.faults ?? sc.defaultFaults;
  const rolloutRate = Math.min(1000, Math.max(1, Math.ceil((s.devices * s.tickMs) / (s.dispatchSeconds * 1000))));
  const result: ScenarioResult = {
    scenario: name,
    devices: s.devices,
    seed: s.seed,
    faults: [],
    rolloutRate,
    plannedFailures: 0,
    slowDevices: 0,
    ok: false,
    failures: [],
    timeToCompletedS: null,
    check: null,
    fleet: null,
    workerLog: {},
    workerStarts: 0,
    workerCrashes: 0,
    logsDir: null,
    error: null,
    wallSeconds: 0,
  };
  const wall0 = Date.now();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-chaos-${name}-`));
  // PostgreSQL runs as the `postgres` user when we are root: let it into the directory.
  fs.chmodSync(tmp, 0o777);
  if (s.keepTmp) log(`scratch directory (kept): ${tmp}`);
  else teardown.push("scratch directory", async () => fs.rmSync(tmp, { recursive: true, force: true }));
  let workers: WorkerSlot[] = [];
  try {
    const pg = await ChaosPostgres.create(tmp);
    teardown.push("PostgreSQL", () => pg.stop());
    await runMigrations(pg.url, path.join(REPO_ROOT, "drizzle"));
    const broker = await ChaosMosquitto.create(tmp, s.autosave);
    teardown.push("mosquitto", () => broker.stop());
    log(`PostgreSQL on ${pg.port}, Mosquitto on ${broker.port}, seed ${s.seed} (scenario seed ${seed})`);
    const handle = createDb(pg.url, { max: 4, name: "flotilla-chaos" });
    teardown.push("database pool", () => handle.close());

    const { firmwareId, deviceIds } = await createFleet(handle, s.devices);
    const [failing, slow] = pickDevices(rng, deviceIds, [s.failRate, s.slowRate]);
    result.plannedFailures = failing!.size;
    result.slowDevices = slow!.size;
    const timeoutMs = s.deviceTimeoutSeconds * 1000;
    const fleet = new ScriptedFleet({
      url: broker.url,
      tenantId: TENANT,
      deviceIds,
      initialVersion: INITIAL_VERSION,
      failing: failing!,
      slow: slow!,
      stepMs: [150, 700],
      slowMs: [timeoutMs + 1000, timeoutMs + Math.min(s.probeGraceMs, 4000)],
      rng,
      log,
    });
    result.fleet = fleet.stats;
    teardown.push("device fleet", () => fleet.stop());
    const t = Date.now();
    await fleet.start();
    log(
      `${s.devices} devices connected in ${((Date.now() - t) / 1000).toFixed(1)} s (${failing!.size} will fail their install, ${slow!.size} will be silent longer than the timeout)`,
    );

    const env = workerEnv(s, pg.url, broker.url, sc.sharedSubscription);
    workers = Array.from({ length: sc.workers }, (_, i) => {
      const slot = `w${i + 1}`;
      return new WorkerSlot(
        slot,
        s.ingestSession ? { ...env, OTA_INGEST_SESSION: `chaos-${slot}` } : env,
        path.join(tmp, `worker-${slot}.log`),
        log,
      );
    });
    for (const w of workers) teardown.push(`worker ${w.name}`, () => w.close(15_000));
    await Promise.all(workers.map((w) => w.start()));
    log(`${workers.length} worker(s) ready (pids ${workers.map((w) => w.pid).join(", ")})`);

    const campaignId = await startCampaign(handle, firmwareId, {
      rolloutRate,
      deviceTimeoutSeconds: s.deviceTimeoutSeconds,
      abortThreshold: 0.5,
    });
    const t0 = Date.now();
    const expectedDispatchS = (Math.ceil(s.devices / rolloutRate) * s.tickMs) / 1000;
    const instants = faultInstants(rng, k, Math.min(1, expectedDispatchS / 10), Math.max(2, expectedDispatchS));
    log(
      `campaign ${campaignId} started: rollout_rate ${rolloutRate}/tick, dispatch ≈ ${expectedDispatchS.toFixed(0)} s; faults at ${instants.map((x) => `${x} s`).join(", ") || "—"}`,
    );

    const monitor = new Monitor(handle, campaignId, fleet, t0, log);
    const monitoring = monitor.run();
    for (const at of instants) {
      const wait = t0 + at * 1000 - Date.now();
      if (wait > 0) await sleep(wait);
      const f0 = Date.now();
      const what = await sc.inject({ workers, pg, broker, rng, log });
      const rec = { at: Math.round((f0 - t0) / 100) / 10, what, downMs: Date.now() - f0 };
      result.faults.push(rec);
      log(`fault at +${rec.at} s: ${what} (${rec.downMs} ms)`);
    }
    const status = await monitor.until(FINAL_CAMPAIGN_STATUSES, t0 + s.deadlineSeconds * 1000);
    monitor.stop();
    await monitoring;
    if (status !== "COMPLETED") {
      result.failures.push(
        status === "ABORTED"
          ? "campaign ABORTED, not COMPLETED"
          : `campaign ${status ?? "unknown"}, not COMPLETED ${s.deadlineSeconds} s after start`,
      );
    }

    // Devices the engine gave up on may still be finishing: let them, then let their reports land.
    const idleBy = Date.now() + 30_000;
    while (fleet.busy() > 0 && Date.now() < idleBy) await sleep(200);
    await sleep(2000);
    const check = await retry(() => checkCampaign(handle.sql, TENANT, campaignId, fleet.records, t0));
    result.check = check;
    if (check.campaign.status === "COMPLETED" && check.campaign.durationS !== null) {
      result.timeToCompletedS = Math.round(check.campaign.durationS * 10) / 10;
    }
    if (check.disagreements > 0)
      result.failures.push(`${check.disagreements} devices where the database disagrees with the device`);
    if (!check.countersExact)
      result.failures.push(
        `counters not exact: ${JSON.stringify(check.counters)} vs GROUP BY ${JSON.stringify(check.groupBy)}`,
      );
    if (check.campaign.abortReason) result.failures.push(`aborted: ${check.campaign.abortReason}`);
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    result.failures.push(`harness error: ${(err as Error).message}`);
    for (const w of workers) if (w.tail()) log(`${w.name} last lines:\n${w.tail(15)}`);
  } finally {
    result.workerStarts = workers.reduce((n, w) => n + w.starts, 0);
    result.workerCrashes = workers.reduce((n, w) => n + w.crashes.length, 0);
    for (const w of workers) {
      for (const c of w.crashes) if (c.stack.length) log(`${w.name} crash stack: ${c.stack.join(" / ")}`);
      if (w.crashes.length) {
        result.failures.push(
          `worker ${w.name} exited on its own ${w.crashes.length} time(s): ${w.crashes.map((c) => `${c.how}${c.error ? ` (${c.error.replace(/^\[stderr\]\s*/, "")})` : ""}`).join("; ")}`,
        );
      }
    }

    for (const w of workers)
      for (const [key, n] of Object.entries(w.notable)) result.workerLog[key] = (result.workerLog[key] ?? 0) + n;
    if (!s.keepTmp && (result.failures.length > 0 || result.error)) result.logsDir = keepLogs(tmp, name, log);
    await teardown.run(log);
    result.wallSeconds = Math.round((Date.now() - wall0) / 1000);
  }
  result.ok = result.failures.length === 0;
  return result;
}

function workerEnv(s: RunSettings, databaseUrl: string, mqttUrl: string, shared: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (/^(OTA_|MQTT_|DATABASE_URL$|EMBEDDED_PG_PORT$)/.test(k)) delete env[k];
  return {
    ...env,
    DATABASE_URL: databaseUrl,
    MQTT_URL: mqttUrl,
    AUTH_SECRET:
      env.AUTH_SECRET && env.AUTH_SECRET.length >= 32 ? env.AUTH_SECRET : "chaos-suite-auth-secret-0123456789abcdef",
    PUBLIC_URL: "http://127.0.0.1:9",
    OTA_TICK_INTERVAL_MS: String(s.tickMs),
    OTA_PROBE_GRACE_MS: String(s.probeGraceMs),
    DB_POOL_SIZE: "10",
    // Only where the scenario asks for it; otherwise the engine's default.
    ...(shared ? { MQTT_SHARED_SUBSCRIPTION: "true" } : {}),
    ...s.workerEnv,
  };
}

/** Copies the logs of a failed scenario out of its scratch directory (which is removed). */
function keepLogs(tmp: string, name: string, log: (line: string) => void): string | null {
  try {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flotilla-chaos-logs-${name}-`));
    for (const f of fs.readdirSync(tmp)) if (f.endsWith(".log")) fs.copyFileSync(path.join(tmp, f), path.join(dir, f));
    const m = path.join(tmp, "mosquitto", "mosquitto.log");
    if (fs.existsSync(m)) fs.copyFileSync(m, path.join(dir, "mosquitto.log"));
    log(`logs kept in ${dir}`);
    return dir;
  } catch (err) {
    log(`could not keep the logs: ${(err as Error).message}`);
    return null;
  }
}

/** Disjoint random subsets of `ids`, one per rate (a partial Fisher–Yates shuffle from the seed). */
function pickDevices(rng: Rng, ids: string[], rates: number[]): Set<string>[] {
  const pool = [...ids];
  const n = rates.reduce((a, r) => a + Math.round(ids.length * r), 0);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  let from = 0;
  return rates.map((r) => {
    const k = Math.round(ids.length * r);
    const set = new Set(pool.slice(from, from + k));
    from += k;
    return set;
  });
}

/** Reads through a database that may be restarting. */
async function retry<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(500);
    }
  }
}
