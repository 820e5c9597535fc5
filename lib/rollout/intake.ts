import type { BatchOutcome } from "./ingest";
import { parseStatusMessage, type StatusReport } from "./protocol";

export interface IntakeStats {
  received: number;
  applied: number;
  stale: number;
  merged: number;
  dropped_bad_topic: number;
  dropped_bad_payload: number;
  dropped_unknown: number;
  batches: number;
  batch_errors: number;
  /** Times the intake was full and held the broker connection back. */
  paused: number;
  buffered: number;
  /** The most reports ever buffered at once: never above the high-water mark. */
  max_buffered: number;
}

export interface IntakeOptions {
  apply: (reports: StatusReport[]) => Promise<BatchOutcome>;
  log: (line: string) => void;
  /** Reports per statement. */
  maxBatch?: number;
  /** Above this many buffered reports, intake stops reading from the broker until the buffer drains. */
  highWater?: number;
  /** How long a lone report may wait for company before its batch is written. */
  lingerMs?: number;
  /** Batches written at once (each on its own connection). */
  concurrency?: number;
}

/**
 * Between the broker and the database: reports are parsed as they arrive, buffered,
 * and written in batches, two at a time. Memory is bounded: when the database
 * falls behind and the buffer reaches `highWater`, `offer`'s `done` is held back,
 * which (through mqtt.js's handleMessage) stops the client from reading the socket,
 * so TCP pushes back on the broker instead of this process growing.
 */
export class StatusIntake {
  readonly stats: IntakeStats = {
    received: 0,
    applied: 0,
    stale: 0,
    merged: 0,
    dropped_bad_topic: 0,
    dropped_bad_payload: 0,
    dropped_unknown: 0,
    batches: 0,
    batch_errors: 0,
    paused: 0,
    buffered: 0,
    max_buffered: 0,
  };
  private buffer: StatusReport[] = [];
  private held: (() => void)[] = [];
  private inflight = 0;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly maxBatch: number;
  private readonly highWater: number;
  private readonly lingerMs: number;
  private readonly concurrency: number;
  private readonly drops = new DropLog();

  constructor(private readonly opts: IntakeOptions) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.highWater = opts.highWater ?? 20_000;
    this.lingerMs = opts.lingerMs ?? 10;
    this.concurrency = opts.concurrency ?? 2;
  }

  /** One message off the status topic. `done` is called when the intake can take another. */
  offer(topic: string, payload: Buffer, done: () => void): void {
    this.stats.received++;
    const parsed = parseStatusMessage(topic, payload);
    if (!parsed.ok) {
      if (parsed.reason === "bad topic") this.stats.dropped_bad_topic++;
      else this.stats.dropped_bad_payload++;
      this.drops.note(parsed.reason, `${topic} ${payload.subarray(0, 120).toString("utf8")}`, this.opts.log);
      done();
      return;
    }
    this.buffer.push(parsed.report);
    this.stats.buffered = this.buffer.length;
    if (this.buffer.length > this.stats.max_buffered) this.stats.max_buffered = this.buffer.length;
    if (this.buffer.length >= this.highWater) {
      this.stats.paused++;
      this.held.push(done);
    } else {
      done();
    }
    this.schedule();
  }

  private schedule() {
    if (this.closed) return;
    while (this.inflight < this.concurrency && this.buffer.length >= this.maxBatch) this.launch();
    if (this.buffer.length > 0 && this.inflight === 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.inflight < this.concurrency && this.buffer.length > 0) this.launch();
      }, this.lingerMs);
    }
  }

  /**
   * Writes one batch. Up to `concurrency` batches are in flight at once, so that the
   * database works on one while the next is parsed and sent. Their order does not
   * matter: a device row only moves forward, whichever report lands first.
   */
  private launch() {
    const batch = this.buffer.splice(0, this.maxBatch);
    this.stats.buffered = this.buffer.length;
    this.inflight++;
    const run = (async () => {
      let backoff = 100;
      for (;;) {
        try {
          const out = await this.opts.apply(batch);
          this.stats.batches++;
          this.stats.applied += out.applied;
          this.stats.stale += out.stale;
          this.stats.merged += out.merged;
          this.stats.dropped_unknown += out.unknown.length;
          for (const r of out.unknown) {
            this.drops.note("unknown device or campaign", `tenant ${r.tenantId} device ${r.deviceId} campaign ${r.campaignId}`, this.opts.log);
          }
          return;
        } catch (err) {
          // The database is down or the batch hit a deadlock: try the same batch again.
          // Intake stays paused meanwhile if the buffer is full, so nothing grows.
          this.stats.batch_errors++;
          this.opts.log(`ingest: batch of ${batch.length} failed, retrying in ${backoff} ms: ${(err as Error).message}`);
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    })().finally(() => {
      this.inflight--;
      this.running.delete(run);
      // Release held messages once there is room again (half the high-water mark).
      if (this.buffer.length < this.highWater / 2) this.release();
      this.schedule();
    });
    this.running.add(run);
  }

  private release() {
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }

  /** Writes what is buffered (for a clean stop and for tests). */
  async drain(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.running.size > 0 || this.buffer.length > 0) {
      while (this.inflight < this.concurrency && this.buffer.length > 0) this.launch();
      await Promise.race(this.running);
    }
  }

  async close(): Promise<void> {
    await this.drain();
    this.closed = true;
  }
}

/**
 * A device fleet can send garbage at a high rate: log the first few drops of each
 * kind per minute, and how many were not logged. Every drop is counted in the stats.
 */
class DropLog {
  private window = 0;
  private counts = new Map<string, number>();

  note(reason: string, detail: string, log: (line: string) => void) {
    const w = Math.floor(Date.now() / 60_000);
    if (w !== this.window) {
      for (const [r, n] of this.counts) if (n > 5) log(`ingest: dropped ${n - 5} more (${r}) in the last minute`);
      this.window = w;
      this.counts.clear();
    }
    const n = (this.counts.get(reason) ?? 0) + 1;
    this.counts.set(reason, n);
    if (n <= 5) log(`ingest: dropped (${reason}): ${detail}`);
  }
}
