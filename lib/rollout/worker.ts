import { randomBytes } from "node:crypto";
import os from "node:os";
import type { MqttClient } from "mqtt";
import type { DbHandle } from "@/lib/db/client";
import { connectMqtt } from "@/lib/mqtt/client";
import { manifestSigners } from "@/lib/ota/signing-keys";
import { deferAcks } from "@/lib/mqtt/deferred-acks";
import { dispatchTick } from "./dispatch";
import { beat, retire } from "./heartbeat";
import { applyReports } from "./ingest";
import { leaseIngestSession } from "./ingest-session";
import { StatusIntake, type IntakeStats } from "./intake";
import { expireSilentDevices, settleCampaigns } from "./lifecycle";
import { probeSilentDevices } from "./probe";
import { sharedStatusFilter, statusFilter } from "./protocol";

export interface WorkerOptions {
  db: DbHandle;
  mqtt: { url: string; username?: string; password?: string };
  tickIntervalMs: number;
  publishTimeoutMs: number;
  /** Where devices download from: the web app's public origin. */
  publicUrl: string;
  authSecret: string;
  /**
   * Subscribe as `$share/flotilla/…` so that several workers split the reports. "auto"
   * (the default): wherever the broker offers shared subscriptions (MQTT 5 and not refused
   * in its CONNACK: Mosquitto 2, EMQX; not aedes).
   */
  sharedSubscription?: boolean | "auto";
  /** Only these tenants (a sharded worker); every tenant when undefined. */
  tenants?: string[];
  log?: (line: string) => void;
  /**
   * The name of this worker's persistent report session (OTA_INGEST_SESSION). Without
   * one the worker takes the lowest free slot name under a PostgreSQL advisory lock
   * (lib/rollout/ingest-session.ts), so that a restarted worker finds its queue again.
   */
  ingestSession?: string;
  /** How long after re-sending a silent device's command it is timed out if still silent. */
  probeGraceMs?: number;
  /** Called when another worker took this worker's session name (after a database restart). */
  onSessionLost?: () => void;
  /** How long a stop waits for the database to take the buffered reports (default 10 s). */
  stopTimeoutMs?: number;
  /** Ingestion batch size and buffer bound (the defaults suit production; tests shrink them). */
  intake?: { maxBatch?: number; highWater?: number };
  /** How long a tenant's signing key is used before the worker looks for a newer one (default 30 s). */
  signerRefreshMs?: number;
}

/** Everything a worker counts since it started; written into its heartbeat row. */
export type WorkerStats = IntakeStats & {
  dispatched: number;
  publish_failures: number;
  timeouts: number;
  probed: number;
  probe_failures: number;
  acks_held: number;
  backlog_ms: number;
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
  const totals = {
    dispatched: 0,
    publish_failures: 0,
    timeouts: 0,
    probed: 0,
    probe_failures: 0,
    aborted: 0,
    promoted: 0,
    completed: 0,
    tick_errors: 0,
  };
  const probeGraceMs = opts.probeGraceMs ?? 60_000;
  // Every tenant's active command-signing key, kept across ticks (a rotation reaches it within the refresh).
  const signers = manifestSigners(db, opts.authSecret, { refreshMs: opts.signerRefreshMs });

  const intake = new StatusIntake({ apply: (reports) => applyReports(sql, reports), log, ...opts.intake });
  const scope = opts.tenants ?? [undefined];
  const plainFilters = scope.map((t) => statusFilter(t));
  const sharedFilters = scope.map((t) => sharedStatusFilter(t));
  const session = await leaseIngestSession(opts.db.url, { explicit: opts.ingestSession, filters: plainFilters });
  let commands: MqttClient;
  let status: MqttClient;
  let gate: { held: () => number } = { held: () => 0 };
  try {
    // Commands on MQTT 3.1.1: no receive maximum to negotiate for what we publish.
    commands = await connectMqtt({ ...opts.mqtt, clientIdPrefix: "flotilla-dispatch", protocol: 4 });
    try {
      status = await connectMqtt({
        ...opts.mqtt,
        clientIdPrefix: "flotilla-ingest",
        persistentId: session.clientId,
        setup: (client) => {
          // A report's PUBACK waits for the commit of the batch that wrote it.
          gate = deferAcks(client, ({ packet, next, ack }) => {
            intake.offer(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), {
              next,
              ack,
            });
          });
        },
      });
    } catch (err) {
      await commands.endAsync(true);
      throw err;
    }
  } catch (err) {
    await session.release();
    throw err;
  }
  // mqtt.js subscribes again after a reconnect that finds no session (a broker restarted
  // without persistence), so the subscription survives that too.
  const shared =
    opts.sharedSubscription === true ||
    ((opts.sharedSubscription ?? "auto") === "auto" && offersSharedSubscriptions(status));
  const filters = shared ? sharedFilters : plainFilters;
  await status.subscribeAsync(filters, { qos: 1 });
  // A session keeps its subscriptions: drop the other form, which this session may have had
  // under another setting, or the broker would deliver every report to it twice.
  await status.unsubscribeAsync(shared ? plainFilters : sharedFilters).catch(() => {});
  log(
    `ingest: persistent session ${session.clientId} (MQTT ${status.options.protocolVersion === 5 ? "5" : "3.1.1"}` +
      `${shared ? ", shared subscription" : ""})`,
  );
  // Since when the report connection is down (null while up): what devices say meanwhile
  // waits at the broker, so no silent device is judged on it (see lagMs below).
  let disconnectedAt: number | null = null;
  let stopped = false;
  status.on("close", () => (disconnectedAt ??= Date.now()));
  status.on("connect", () => {
    disconnectedAt = null;
    if (shared && !stopped) {
      // Mosquitto 2.0 restores a persistent session's shared subscription from its
      // persistence file after a restart, says the session is present, and then delivers
      // nothing to it (found by the chaos suite's broker-restart scenario). So a shared
      // subscription is renewed on every reconnect, with a plain one bridging the moment
      // between, so that nothing published meanwhile goes unheard (duplicates are harmless).
      void (async () => {
        await status.subscribeAsync(plainFilters, { qos: 1 });
        await status.unsubscribeAsync(sharedFilters);
        await status.subscribeAsync(sharedFilters, { qos: 1 });
        await status.unsubscribeAsync(plainFilters);
      })().catch((err) => log(`ingest: renewing the shared subscription failed: ${(err as Error).message}`));
    }
  });
  /** How far behind this worker's ingestion is: the age of its oldest unwritten report, or of its disconnection. */
  const lagMs = () => (disconnectedAt !== null ? Date.now() - disconnectedAt : intake.backlogMs());

  let ticking: Promise<void> | null = null;
  const tickOnce = async () => {
    const scope = { tenants: opts.tenants, log };
    try {
      totals.timeouts += await expireSilentDevices(sql, { ...scope, graceMs: probeGraceMs, lagMs: lagMs(), workerId });
      const settled = await settleCampaigns(db, sql, scope);
      totals.aborted += settled.aborted;
      totals.promoted += settled.promoted;
      totals.completed += settled.completed;
      const deps = {
        sql,
        mqtt: commands,
        tickIntervalMs: opts.tickIntervalMs,
        publishTimeoutMs: opts.publishTimeoutMs,
        publicUrl: opts.publicUrl,
        authSecret: opts.authSecret,
        tenants: opts.tenants,
        log,
        signers,
      };
      const p = await probeSilentDevices(deps);
      totals.probed += p.probed;
      totals.probe_failures += p.probe_failures;
      const d = await dispatchTick(deps);
      totals.dispatched += d.dispatched;
      totals.publish_failures += d.publish_failures;
    } catch (err) {
      // The database may be away for a moment; the next tick tries again.
      totals.tick_errors++;
      log(`tick failed: ${(err as Error).message}`);
    }
  };
  // A tick that hangs (a query lost with its connection) is let go after this, so that
  // ticks go on; the work it did is all compare-and-set under locks.
  const tickLimitMs = Math.max(60_000, 10 * opts.tickIntervalMs);
  const tick = async () => {
    while (ticking) await ticking;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        totals.tick_errors++;
        log(`tick still running after ${tickLimitMs} ms; starting the next ones without it`);
        resolve();
      }, tickLimitMs);
    });
    ticking = Promise.race([tickOnce(), limit]).finally(() => {
      clearTimeout(timer);
      ticking = null;
    });
    await ticking;
  };

  // Ticks start just after each slot boundary (floor(now / interval)), with a little
  // jitter so that workers do not all reach for the same campaign row at once.
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    const interval = opts.tickIntervalMs;
    const jitter = Math.floor(Math.random() * Math.min(50, interval * 0.05));
    timer = setTimeout(
      async () => {
        if (!ticking) await tick();
        schedule();
      },
      interval - (Date.now() % interval) + jitter,
    );
  };
  schedule();

  const stats = (): WorkerStats => ({
    ...totals,
    ...intake.stats,
    acks_held: gate.held(),
    // Read by other workers' timeout sweeps: reports older than this may still be unwritten here.
    backlog_ms: lagMs(),
    broker_connected: Number(commands.connected && status.connected),
  });
  let sessionLost = false;
  let stopping: Promise<void> | undefined;
  const heartbeat = async () => {
    try {
      if (!sessionLost && !(await session.check())) {
        sessionLost = true;
        log(`ingest: another worker now holds session ${session.clientId}; this worker must restart`);
        opts.onSessionLost?.();
      }
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
    // Idempotent: a second stop waits for the first.
    stop: () => (stopping ??= stop()),
  };
  async function stop() {
    stopped = true;
    clearTimeout(timer);
    clearInterval(beatTimer);
    // With a shared subscription and other workers of the same subscription alive, leave the
    // group first, so that the broker stops handing this session a share of the reports
    // while it is away. A lone worker keeps its subscription: reports wait for it.
    if (shared && status.connected && (await session.peers().catch(() => 0)) > 0) {
      await status.unsubscribeAsync(filters).catch(() => {});
      await new Promise((r) => setTimeout(r, 200)); // the last messages already on their way
    }
    // Writes what it holds and acknowledges it batch by batch; takes nothing new. What the
    // database cannot take in time stays unacknowledged, for the next run.
    const closed = await Promise.race([
      intake.close().then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), opts.stopTimeoutMs ?? 10_000)),
    ]);
    if (!closed) {
      intake.abandon();
      log("stop: the database did not take the buffered reports in time; the broker keeps them unacknowledged");
    }
    while (ticking) await ticking;
    // end() without a clean session keeps it at the broker, so reports keep queueing;
    // the PUBACKs written above go out before its DISCONNECT.
    await status.endAsync().catch(() => {});
    await commands.endAsync().catch(() => {});
    await session.release();
    await retire(sql, workerId).catch(() => {});
  }
}

/** Whether the broker offers shared subscriptions: MQTT 5, and not refused in its CONNACK. */
function offersSharedSubscriptions(client: MqttClient): boolean {
  if (client.options.protocolVersion !== 5) return false;
  const connack = (client as unknown as { connackPacket?: { properties?: { sharedSubscriptionAvailable?: boolean } } })
    .connackPacket;
  return connack?.properties?.sharedSubscriptionAvailable !== false;
}
