import { randomBytes } from "node:crypto";
import os from "node:os";
import type { MqttClient } from "mqtt";
import type { DbHandle } from "@/lib/db/client";
import { connectMqtt } from "@/lib/mqtt/client";
import { dispatchTick } from "./dispatch";
import { beat, retire } from "./heartbeat";
import { applyReports } from "./ingest";
import { StatusIntake, type IntakeStats } from "./intake";
import { expireSilentDevices, settleCampaigns } from "./lifecycle";
import { sharedStatusFilter, statusFilter } from "./protocol";

export interface WorkerOptions {
  db: DbHandle;
  mqtt: { url: string; username?: string; password?: string };
  tickIntervalMs: number;
  publishTimeoutMs: number;
  /** Where devices download from: the web app's public origin. */
  publicUrl: string;
  authSecret: string;
  /** Subscribe as `$share/flotilla/…` so that several workers split the reports (not on aedes). */
  sharedSubscription?: boolean;
  /** Only these tenants (a sharded worker); every tenant when undefined. */
  tenants?: string[];
  log?: (line: string) => void;
  /**
   * A stable name for this worker's status subscription. With one, the subscription is a
   * persistent session: reports that devices send while this worker is down wait at the
   * broker and are applied when it is back. Give each replica its own (and never two
   * running workers the same: the broker would disconnect one of them).
   */
  ingestSession?: string;
  /** Ingestion batch size and buffer bound (the defaults suit production; tests shrink them). */
  intake?: { maxBatch?: number; highWater?: number };
}

/** Everything a worker counts since it started; written into its heartbeat row. */
export type WorkerStats = IntakeStats & {
  dispatched: number;
  publish_failures: number;
  timeouts: number;
  aborted: number;
  promoted: number;
  completed: number;
  tick_errors: number;
  broker_connected: number;
};

export interface Worker {
  workerId: string;
  /** Runs one tick now (timeouts, settle, dispatch), outside the schedule. */
  tick: () => Promise<void>;
  /** Writes every buffered report. */
  drain: () => Promise<void>;
  stats: () => WorkerStats;
  stop: () => Promise<void>;
}

/**
 * The rollout engine in one process: a command connection (dispatch, QoS 1), a
 * status connection (ingestion, with backpressure), ticks aligned to the tick slot,
 * and a heartbeat. Safe to run several of, against one database and broker.
 *
 * Two MQTT connections, not one per device: ingestion's backpressure holds back the
 * status connection's reads, and must not hold back the acknowledgements of commands.
 */
export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  const log = opts.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
  const workerId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const identity = { workerId, startedAt: new Date(), tickIntervalMs: opts.tickIntervalMs };
  const { db, sql } = opts.db;
  const totals = { dispatched: 0, publish_failures: 0, timeouts: 0, aborted: 0, promoted: 0, completed: 0, tick_errors: 0 };

  const intake = new StatusIntake({ apply: (reports) => applyReports(sql, reports), log, ...opts.intake });
  const commands = await connectMqtt({ ...opts.mqtt, clientIdPrefix: "flotilla-dispatch" });
  let status: MqttClient;
  try {
    status = await connectMqtt({
      ...opts.mqtt,
      clientIdPrefix: "flotilla-ingest",
      persistentId: opts.ingestSession ? `flotilla-ingest-${opts.ingestSession}` : undefined,
      setup: (client) => {
        client.handleMessage = (packet, done) => {
          intake.offer(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), () => done());
        };
      },
    });
  } catch (err) {
    await commands.endAsync(true);
    throw err;
  }
  const filters = (opts.tenants ?? [undefined]).map((t) => (opts.sharedSubscription ? sharedStatusFilter(t) : statusFilter(t)));
  await status.subscribeAsync(filters, { qos: 1 });

  let ticking: Promise<void> | null = null;
  const tickOnce = async () => {
    const scope = { tenants: opts.tenants, log };
    try {
      totals.timeouts += await expireSilentDevices(sql, scope);
      const settled = await settleCampaigns(db, sql, scope);
      totals.aborted += settled.aborted;
      totals.promoted += settled.promoted;
      totals.completed += settled.completed;
      const d = await dispatchTick({
        sql,
        mqtt: commands,
        tickIntervalMs: opts.tickIntervalMs,
        publishTimeoutMs: opts.publishTimeoutMs,
        publicUrl: opts.publicUrl,
        authSecret: opts.authSecret,
        tenants: opts.tenants,
        log,
      });
      totals.dispatched += d.dispatched;
      totals.publish_failures += d.publish_failures;
    } catch (err) {
      // The database may be away for a moment; the next tick tries again.
      totals.tick_errors++;
      log(`tick failed: ${(err as Error).message}`);
    }
  };
  const tick = async () => {
    while (ticking) await ticking;
    ticking = tickOnce().finally(() => (ticking = null));
    await ticking;
  };

  // Ticks start just after each slot boundary (floor(now / interval)), with a little
  // jitter so that workers do not all reach for the same campaign row at once.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    const interval = opts.tickIntervalMs;
    const jitter = Math.floor(Math.random() * Math.min(50, interval * 0.05));
    timer = setTimeout(async () => {
      if (!ticking) await tick();
      schedule();
    }, interval - (Date.now() % interval) + jitter);
  };
  schedule();

  const stats = (): WorkerStats => ({ ...totals, ...intake.stats, broker_connected: Number(commands.connected && status.connected) });
  const heartbeat = async () => {
    try {
      await beat(sql, identity, commands.connected && status.connected, { ...stats() });
    } catch (err) {
      log(`heartbeat failed: ${(err as Error).message}`);
    }
  };
  await heartbeat();
  const beatTimer = setInterval(() => void heartbeat(), opts.tickIntervalMs);

  return {
    workerId,
    tick,
    drain: () => intake.drain(),
    stats,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(beatTimer);
      // end() without a clean session keeps it at the broker, so reports keep queueing.
      await status.endAsync().catch(() => {});
      // Buffered reports are written before the process goes (bounded, so a dead
      // database cannot hold the stop forever).
      await Promise.race([intake.close(), new Promise((r) => setTimeout(r, 5000))]);
      while (ticking) await ticking;
      await commands.endAsync().catch(() => {});
      await retire(sql, workerId).catch(() => {});
    },
  };
}
