import type { DbHandle } from "@/lib/db/client";
import { spawnTsx } from "./children";
import { FW_VERSION, type Fleet } from "./fleet";
import type { PublisherJob } from "./procs/publisher";
import { perSecond, sleep } from "./stats";
import type { WorkerUnderTest } from "./worker";

export interface IngestionResult {
  /** Devices that reported (three reports each). */
  devices: number;
  /** Reports the publishers sent (the broker acknowledged). */
  sent: number;
  /** Reports the worker took off the broker. */
  received: number;
  /** Reports the worker persisted or accounted for: applied + stale + merged (+ dropped as invalid, expected 0). */
  processed: number;
  applied: number;
  stale: number;
  merged: number;
  /** First publish to the worker's heartbeat that showed every report processed. */
  ms: number;
  perSecond: number;
  /** How fast the publishers got their reports acknowledged by the broker (the offered load). */
  publishPerSecond: number;
  /** Sent but never received by the worker: a broker queue limit. */
  dropped: number;
  /** Devices SUCCESS in the database at the end. */
  succeeded: number;
  batches: number;
  /** Times the worker's intake was full and held the broker back. */
  paused: number;
  /** Heartbeats (polled every 50 ms) in which the worker reported a broker connection down. */
  disconnectedBeats: number;
}

interface PublisherDone {
  startedAt: number;
  endedAt: number;
  acked: number;
}

const PROCESSED_KEYS = [
  "applied",
  "stale",
  "merged",
  "dropped_unknown",
  "dropped_bad_payload",
  "dropped_bad_topic",
] as const;

/**
 * The flood: `publishers` connections (a process of their own) send three reports per
 * device (DOWNLOADING 50 %, INSTALLING, SUCCESS) for the first `flood` dispatched devices.
 * Timed from the first publish until the campaign's counters show every one of them
 * SUCCESS; the worker's counts (received, applied, stale, merged) come from its next
 * heartbeat. `onStart` runs just before the first publish.
 */
export async function measureIngestion(opts: {
  handle: DbHandle;
  mqttUrl: string;
  fleet: Fleet;
  campaignId: number;
  worker: WorkerUnderTest;
  /** The worker's tick (and so its heartbeat interval). */
  tickMs: number;
  /** Devices 0…flood-1 report. */
  flood: number;
  publishers: number;
  window: number;
  onStart: () => void;
}): Promise<IngestionResult> {
  const { handle, fleet, worker } = opts;
  const before = (await worker.stats())?.stats ?? {};
  const job: PublisherJob = {
    kind: "flood",
    url: opts.mqttUrl,
    tenantId: fleet.tenantId,
    campaignId: opts.campaignId,
    n: opts.flood,
    connections: opts.publishers,
    window: opts.window,
    version: FW_VERSION,
  };
  const pub = spawnTsx("publisher", "bench/procs/publisher.ts", { ...process.env, BENCH_JOB: JSON.stringify(job) });
  try {
    await pub.next("ready", 30_000);
    opts.onStart();
    pub.send({ cmd: "go" });
    const pubs: { done: PublisherDone | null } = { done: null };
    const finishing = pub.next<PublisherDone>("done", 3_600_000).then((d) => (pubs.done = d));

    const delta = (s: Record<string, number>, k: string) => (s[k] ?? 0) - (before[k] ?? 0);
    const processedIn = (s: Record<string, number>) => PROCESSED_KEYS.reduce((sum, k) => sum + delta(s, k), 0);
    const succeeded = async () =>
      (await handle.sql<{ n: number }[]>`SELECT succeeded AS n FROM ota_campaigns WHERE id = ${opts.campaignId}`)[0]!.n;
    // The end: the database shows every flooded device SUCCESS (each device's last report,
    // published after its others on the same connection). Polled every 50 ms.
    let endMs = 0;
    let lastMove = { key: "", at: Date.now() };
    let disconnectedBeats = 0;
    for (;;) {
      await sleep(50);
      const done = await succeeded();
      if (done >= opts.flood && pubs.done) {
        endMs = Date.now();
        break;
      }
      const beat = await worker.stats();
      if (beat?.stats.broker_connected === 0) disconnectedBeats++;
      // Nothing moved (counters nor the worker's counts) for three ticks or 30 s after
      // the publishers finished: the rest was dropped.
      const key = `${done}/${beat ? processedIn(beat.stats) : 0}`;
      if (key !== lastMove.key) lastMove = { key, at: Date.now() };
      else if (pubs.done && Date.now() - lastMove.at > Math.max(30_000, 3 * opts.tickMs)) break;
    }
    const finished = await finishing;
    if (!endMs) endMs = lastMove.at;
    // The worker's own counts, from the first heartbeat written after the end.
    let s: Record<string, number> = {};
    for (const deadline = Date.now() + 2 * opts.tickMs + 5000; Date.now() < deadline; await sleep(100)) {
      const beat = await worker.stats();
      if (beat) s = beat.stats;
      if (beat && beat.beatMs > endMs) break;
    }
    const processed = processedIn(s);
    const c = { succeeded: await succeeded() };
    return {
      devices: opts.flood,
      sent: finished.acked,
      received: delta(s, "received"),
      processed,
      applied: delta(s, "applied"),
      stale: delta(s, "stale"),
      merged: delta(s, "merged"),
      ms: Math.round(endMs - finished.startedAt),
      // Reports persisted per second: everything sent, when the end was reached; otherwise
      // what the worker processed.
      perSecond: perSecond(c.succeeded >= opts.flood ? finished.acked : processed, endMs - finished.startedAt),
      publishPerSecond: perSecond(finished.acked, finished.endedAt - finished.startedAt),
      dropped: Math.max(0, finished.acked - delta(s, "received")),
      succeeded: c.succeeded,
      batches: delta(s, "batches"),
      paused: delta(s, "paused"),
      disconnectedBeats,
    };
  } finally {
    await pub.stop();
  }
}
