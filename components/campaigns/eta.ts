/**
 * The estimated time to completion of a running campaign, from what this page has
 * seen: a sample of (time, finished devices) at every poll.
 *
 * Devices finish in bursts (one batch per tick of the worker), so the rate over a short
 * window swings and an estimate from it jumps (2 → 11 → 8 → 5 → 3 min). The rate here is
 * an exponentially weighted average of the finish rate over the time the campaign ran,
 * starting from the planned pace (rollout_rate devices per tick): it follows a real
 * change within a minute or two but not a single burst. Paused time is left out, not
 * restarted from, so a resume carries on from the rate seen before the pause.
 */
export interface Sample {
  /** When the data was fetched (ms since epoch). */
  t: number;
  /** Devices finished (succeeded + failed) at that time. */
  finished: number;
  failed: number;
  running: boolean;
}

/** How quickly the average forgets: a burst weighs little, a lasting change wins within a few of these. */
export const RATE_TIME_CONSTANT_MS = 60_000;

export interface RateEstimate {
  /** Devices finished per second. */
  rate: number;
  /** "observed" once a finish has been seen while running; "planned" while it is still the prior. */
  basis: "observed" | "planned";
}

/**
 * The smoothed finish rate (devices per second) over the running stretches of the samples,
 * starting from `planned` (devices per second, or null when there is no plan). Each burst of
 * finishes counts over the running time since the previous burst, so the quiet polls
 * between two ticks neither lower the rate nor raise the estimate. The first burst seen
 * only marks a start (the page may have opened just before it). Intervals that touch a
 * pause are skipped: a pause is not slowness.
 */
export function smoothedRate(
  samples: readonly Sample[],
  planned: number | null,
  tauMs = RATE_TIME_CONSTANT_MS,
): RateEstimate | null {
  let rate = planned;
  let observed = false;
  let started = false;
  let since = 0; // running ms since the previous burst
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = b.t - a.t;
    if (!a.running || !b.running || dt <= 0) continue;
    const done = Math.max(0, b.finished - a.finished);
    if (!started) {
      started = done > 0;
      continue;
    }
    since += dt;
    if (done === 0) continue;
    const instant = (done / since) * 1000;
    rate = rate === null ? instant : rate + (1 - Math.exp(-since / tauMs)) * (instant - rate);
    since = 0;
    observed = true;
  }
  if (rate === null || rate <= 0) return null;
  return { rate, basis: observed ? "observed" : "planned" };
}

export interface EtaInput {
  status: string;
  pending: number;
  inFlight: number;
  rolloutRate: number;
  tickIntervalMs: number;
}

export type Eta = { seconds: number; basis: "observed" | "planned"; rate: number } | null;

/** The planned pace in devices per second, or null without one. */
export const plannedRate = (c: Pick<EtaInput, "rolloutRate" | "tickIntervalMs">) =>
  c.rolloutRate > 0 && c.tickIntervalMs > 0 ? (c.rolloutRate * 1000) / c.tickIntervalMs : null;

export function estimateCompletion(c: EtaInput, samples: readonly Sample[]): Eta {
  if (c.status !== "RUNNING") return null;
  const remaining = c.pending + c.inFlight;
  const planned = plannedRate(c);
  // Nothing left but not yet marked complete: the worker does that on its next tick.
  if (remaining === 0) return { seconds: c.tickIntervalMs / 1000, basis: "planned", rate: planned ?? 0 };
  const est = smoothedRate(samples, planned);
  if (est?.basis === "observed") return { seconds: remaining / est.rate, basis: "observed", rate: est.rate };
  // Before any finish, the plan: whole ticks for the pending devices.
  if (c.pending > 0 && planned !== null) {
    return {
      seconds: (Math.ceil(c.pending / c.rolloutRate) * c.tickIntervalMs) / 1000,
      basis: "planned",
      rate: planned,
    };
  }
  return null;
}
