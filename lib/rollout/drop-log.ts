import { escapeForLog } from "@/lib/text/escape";

/** How much of a dropped message's topic, and of its payload, a log line shows (escaped characters). */
const DETAIL_CHARS = 120;

/**
 * A device fleet can send garbage at a high rate: log the first few drops of each
 * kind per minute, and how many were not logged. Every drop is counted in the stats.
 * What a device sent is escaped (lib/text/escape.ts) before it is logged: NUL bytes,
 * invalid UTF-8 and newlines can neither make the log binary nor forge a line.
 */
export class DropLog {
  private window = 0;
  private counts = new Map<string, number>();

  /** A drop described by raw text (as received): `detail` is escaped here. */
  note(reason: string, detail: string, log: (line: string) => void) {
    if (this.admit(reason, log)) log(`ingest: dropped (${reason}): ${escapeForLog(detail, DETAIL_CHARS)}`);
  }

  /**
   * A dropped MQTT message: its topic and the start of its payload, escaped by
   * `describeDropped` (the payload decoded only as far as it is shown). Prefer this to
   * `note(reason, describeDropped(…))`, which would escape twice and double every backslash.
   */
  noteMessage(reason: string, topic: string, payload: Buffer, log: (line: string) => void) {
    if (this.admit(reason, log)) log(`ingest: dropped (${reason}): ${describeDropped(topic, payload)}`);
  }

  /** Counts one drop; true while this kind is under its five log lines for the minute. */
  private admit(reason: string, log: (line: string) => void): boolean {
    const w = Math.floor(Date.now() / 60_000);
    if (w !== this.window) {
      for (const [r, n] of this.counts) if (n > 5) log(`ingest: dropped ${n - 5} more (${r}) in the last minute`);
      this.window = w;
      this.counts.clear();
    }
    const n = (this.counts.get(reason) ?? 0) + 1;
    this.counts.set(reason, n);
    return n <= 5;
  }
}

/** `topic payload` of a message as a log line may show it: both escaped, each cut to 120 characters. */
export function describeDropped(topic: string, payload: Buffer): string {
  return `${escapeForLog(topic, DETAIL_CHARS)} ${escapeForLog(payload, DETAIL_CHARS)}`;
}
