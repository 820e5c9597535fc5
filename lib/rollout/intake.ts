import type { BatchOutcome } from "./ingest";
import { escapeForLog } from "@/lib/text/escape";
import { DropLog } from "./drop-log";
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
  /** A batch not written within this is tried again (a query lost with its connection must not stall intake). */
  applyTimeoutMs?: number;
}

/** What the intake needs of a message: let the next one in, and acknowledge this one. */
export interface Delivery {
  /** Lets the connection read the next message (held while the buffer is full). */
  next: () => void;
  /** Tells the broker it may forget this message: called only after its batch commits. */
  ack: () => void;
}

/**
 * Between the broker and the database: reports are parsed as they arrive, buffered,
 * and written in batches, two at a time.
 *
 * Nothing is acknowledged before it is durable: a report's PUBACK goes out only after
 * the transaction that applied its batch has committed (lib/mqtt/deferred-acks.ts holds
 * it until then), so a worker that dies at any instant leaves every unwritten report
 * unacknowledged, and the broker delivers it again to the persistent session
 * (docs/decisions/0004-acknowledge-after-commit.md). A message that is not a report
 * (bad topic or payload) is acknowledged at once: there is nothing to keep.
 *
 * Memory is bounded: when the database falls behind and the buffer reaches
 * `highWater`, `next` is held back, which stops the client from reading the socket,
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
  private acks: (() => void)[] = [];
  /** When each buffered report arrived (ms), and the first arrival of each batch being written. */
  private arrivals: number[] = [];
  private readonly writing = new Set<number>();
  private held: (() => void)[] = [];
  private inflight = 0;
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private accepting = true;
  private readonly maxBatch: number;
  private readonly highWater: number;
  private readonly lingerMs: number;
  private readonly concurrency: number;
  private readonly applyTimeoutMs: number;
  private readonly drops = new DropLog();

  constructor(private readonly opts: IntakeOptions) {
    this.maxBatch = opts.maxBatch ?? 2000;
    this.highWater = opts.highWater ?? 20_000;
    this.lingerMs = opts.lingerMs ?? 10;
    this.concurrency = opts.concurrency ?? 2;
    this.applyTimeoutMs = opts.applyTimeoutMs ?? 60_000;
  }

  /**
   * How long the oldest report not yet written has been waiting (0 when none): everything
   * that arrived before now minus this is in the database. The engine times out no silent
   * device while an answer may still be waiting here (lib/rollout/lifecycle.ts).
   */
  backlogMs(): number {
    let oldest = this.arrivals[0] ?? Infinity;
    for (const t of this.writing) oldest = Math.min(oldest, t);
    return oldest === Infinity ? 0 : Date.now() - oldest;
  }

  /** One message off the status topic. */
  offer(topic: string, payload: Buffer, delivery: Delivery): void {
    // Stopping: neither written nor acknowledged, so the broker keeps it for the next run.
    if (!this.accepting) return;
    this.stats.received++;
    const parsed = parseStatusMessage(topic, payload);
    if (!parsed.ok) {
      if (parsed.reason === "bad topic") this.stats.dropped_bad_topic++;
      else this.stats.dropped_bad_payload++;
      this.drops.noteMessage(parsed.reason, topic, payload, this.opts.log);
      delivery.ack();
      delivery.next();
      return;
    }
    this.buffer.push(parsed.report);
    this.acks.push(delivery.ack);
    this.arrivals.push(Date.now());
    this.stats.buffered = this.buffer.length;
    if (this.buffer.length > this.stats.max_buffered) this.stats.max_buffered = this.buffer.length;
    if (this.buffer.length >= this.highWater) {
      this.stats.paused++;
      this.held.push(delivery.next);
    } else {
      delivery.next();
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
   * Writes one batch, then acknowledges its messages. Up to `concurrency` batches are
   * in flight at once, so that the database works on one while the next is parsed and
   * sent. Their order does not matter: a device row only moves forward, whichever
   * report lands first.
   */
  private launch() {
    const batch = this.buffer.splice(0, this.maxBatch);
    const acks = this.acks.splice(0, batch.length);
    const firstArrival = this.arrivals.splice(0, batch.length)[0] ?? Date.now();
    this.writing.add(firstArrival);
    this.stats.buffered = this.buffer.length;
    this.inflight++;
    const run = (async () => {
      let backoff = 100;
      for (;;) {
        try {
          const out = await withTimeout(this.opts.apply(batch), this.applyTimeoutMs);
          for (const ack of acks) ack();
          this.stats.batches++;
          this.stats.applied += out.applied;
          this.stats.stale += out.stale;
          this.stats.merged += out.merged;
          this.stats.dropped_unknown += out.unknown.length;
          for (const r of out.unknown) {
            this.drops.note(
              "unknown device or campaign",
              `tenant ${r.tenantId} device ${r.deviceId} campaign ${r.campaignId}`,
              this.opts.log,
            );
          }
          return;
        } catch (err) {
          // The database is down or the batch hit a deadlock: try the same batch again,
          // its messages still unacknowledged. Intake stays paused meanwhile if the
          // buffer is full, so nothing grows.
          this.stats.batch_errors++;
          // The error may quote a device's text: escaped, like every drop.
          this.opts.log(
            `ingest: batch of ${batch.length} failed, retrying in ${backoff} ms: ${escapeForLog((err as Error).message, 500)}`,
          );
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    })().finally(() => {
      this.writing.delete(firstArrival);
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
    for (const next of held) next();
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

  /** Takes no more messages (later ones stay unacknowledged at the broker), and writes what it holds. */
  async close(): Promise<void> {
    this.accepting = false;
    await this.drain();
    this.closed = true;
  }

  /**
   * Gives up on what is not yet written (a stop that could not wait for the database):
   * nothing more is retried or acknowledged, so the broker delivers it again.
   */
  abandon(): void {
    this.accepting = false;
    this.closed = true;
    this.buffer = [];
    this.acks = [];
    this.arrivals = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The promise, or a rejection after `ms`: a write that never settles is retried, not waited for forever. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`batch not written within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
