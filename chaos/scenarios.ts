import { setTimeout as sleep } from "node:timers/promises";
import { between, type Rng } from "./rng";
import type { ChaosMosquitto, ChaosPostgres } from "./services";
import type { WorkerSlot } from "./workers";

/**
 * The faults. Each scenario runs `faults` of its kind at random instants of the rollout
 * (drawn from the scenario's seed) and recovers from each before the next one starts.
 */

export interface FaultTargets {
  workers: WorkerSlot[];
  pg: ChaosPostgres;
  broker: ChaosMosquitto;
  rng: Rng;
  log: (line: string) => void;
}

export interface FaultRecord {
  /** Seconds after the campaign started. */
  at: number;
  what: string;
  /** How long the faulty component was unavailable, ms (until it was ready again). */
  downMs: number;
}

export interface Scenario {
  name: ScenarioName;
  workers: number;
  sharedSubscription: boolean;
  defaultFaults: number;
  /** One line for docs/reliability.md: what is injected. */
  describe: (faults: number) => string;
  inject: (t: FaultTargets) => Promise<string>;
}

export const SCENARIO_NAMES = [
  "worker-kill",
  "worker-deploy",
  "broker-restart",
  "db-restart",
  "three-workers",
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

const times = (k: number) => (k === 1 ? "once" : k === 2 ? "twice" : `${k} times`);

/** Kills a worker with SIGKILL, waits a moment as a supervisor would, starts it again. */
async function killAndRestart(w: WorkerSlot, rng: Rng): Promise<string> {
  const pid = w.pid;
  await w.kill();
  const pause = Math.round(between(rng, 200, 1000));
  await sleep(pause);
  await w.start();
  return `SIGKILL ${w.name} (pid ${pid}), restarted after ${pause} ms (new pid ${w.pid})`;
}

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  "worker-kill": {
    name: "worker-kill",
    workers: 1,
    sharedSubscription: false,
    defaultFaults: 6,
    describe: (k) => `the worker killed with SIGKILL ${times(k)} at random instants, restarted 0.2–1 s later each time`,
    inject: ({ workers, rng }) => killAndRestart(workers[0]!, rng),
  },
  "worker-deploy": {
    name: "worker-deploy",
    workers: 1,
    sharedSubscription: false,
    defaultFaults: 3,
    describe: (k) => `the worker stopped with SIGTERM (as a deploy does) and started again, ${times(k)}`,
    inject: async ({ workers }) => {
      const w = workers[0]!;
      const pid = w.pid;
      const stop = await w.terminate(30_000);
      await w.start();
      return `SIGTERM ${w.name} (pid ${pid}): ${stop.clean ? "stopped cleanly" : "did NOT stop cleanly (killed)"} in ${stop.ms} ms; started again (pid ${w.pid})`;
    },
  },
  "broker-restart": {
    name: "broker-restart",
    workers: 1,
    sharedSubscription: false,
    defaultFaults: 2,
    describe: (k) =>
      `Mosquitto killed with SIGKILL ${times(k)} and restarted 2–4 s later on the same port, configuration and persistence file`,
    inject: async ({ broker, rng }) => {
      const pid = broker.pid;
      await broker.kill();
      const pause = Math.round(between(rng, 2000, 4000));
      await sleep(pause);
      await broker.start();
      return `SIGKILL mosquitto (pid ${pid}), restarted after ${pause} ms`;
    },
  },
  "db-restart": {
    name: "db-restart",
    workers: 1,
    sharedSubscription: false,
    defaultFaults: 2,
    describe: (k) =>
      `PostgreSQL stopped immediately (SIGQUIT to the postmaster, as \`pg_ctl stop -m immediate\`) ${times(k)} and started again 2–4 s later`,
    inject: async ({ pg, rng }) => {
      const pid = pg.pid;
      await pg.stopImmediately();
      const pause = Math.round(between(rng, 2000, 4000));
      await sleep(pause);
      await pg.start();
      return `immediate stop of PostgreSQL (postmaster pid ${pid}), started again after ${pause} ms (crash recovery)`;
    },
  },
  "three-workers": {
    name: "three-workers",
    workers: 3,
    sharedSubscription: true,
    defaultFaults: 2,
    describe: (k) =>
      `three workers on a shared subscription (MQTT_SHARED_SUBSCRIPTION=true); one of them, drawn at random, killed with SIGKILL and restarted, ${times(k)}`,
    inject: ({ workers, rng }) => killAndRestart(workers[Math.floor(rng() * workers.length)]!, rng),
  },
};

/**
 * `k` instants in [fromS, toS] seconds, sorted, drawn from `rng`. Faults run one after
 * the other, so an instant that has passed when the previous fault recovers runs at once.
 */
export function faultInstants(rng: Rng, k: number, fromS: number, toS: number): number[] {
  return Array.from({ length: k }, () => Math.round(between(rng, fromS, toS) * 10) / 10).sort((a, b) => a - b);
}
