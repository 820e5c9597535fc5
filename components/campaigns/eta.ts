/**
 * The estimated time to completion of a running campaign, from what this page has
 * seen: a sample of (time, finished devices) at every poll. The observed finish rate
 * over the recent window is the honest estimate; before there is one, the planned
 * pace (rollout_rate devices per tick) stands in; with neither, there is no estimate.
 */
export interface Sample {
  /** When the data was fetched (ms since epoch). */
  t: number;
  /** Devices finished (succeeded + failed) at that time. */
  finished: number;
  failed: number;
  running: boolean;
}

/** How far back the observed rate looks: long enough to smooth ticks, short enough to follow changes. */
export const RATE_WINDOW_MS = 60_000;

/** Devices finished per second over the recent window of the current run, or null when nothing moved. */
export function observedRate(samples: readonly Sample[], windowMs = RATE_WINDOW_MS): number | null {
  const last = samples.at(-1);
  if (!last?.running) return null;
  // Only the current uninterrupted run counts: a pause is not slowness.
  let i = samples.length - 1;
  while (i > 0 && samples[i - 1]!.running && samples[i - 1]!.t >= last.t - windowMs) i--;
  const first = samples[i]!;
  const seconds = (last.t - first.t) / 1000;
  const finished = last.finished - first.finished;
  if (seconds < 1 || finished <= 0) return null;
  return finished / seconds;
}

export interface EtaInput {
  status: string;
  pending: number;
  inFlight: number;
  rolloutRate: number;
  tickIntervalMs: number;
}

export type Eta = { seconds: number; basis: "observed"; rate: number } | { seconds: number; basis: "planned" } | null;

export function estimateCompletion(c: EtaInput, samples: readonly Sample[]): Eta {
  if (c.status !== "RUNNING") return null;
  const remaining = c.pending + c.inFlight;
  const rate = observedRate(samples);
  if (remaining === 0) return { seconds: c.tickIntervalMs / 1000, basis: "planned" };
  if (rate) return { seconds: remaining / rate, basis: "observed", rate };
  if (c.pending > 0 && c.rolloutRate > 0 && c.tickIntervalMs > 0) {
    return { seconds: (Math.ceil(c.pending / c.rolloutRate) * c.tickIntervalMs) / 1000, basis: "planned" };
  }
  return null;
}
