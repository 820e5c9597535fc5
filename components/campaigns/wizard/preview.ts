import { formatDuration } from "@/components/ui/format";
import { canarySize as canaryWave } from "@/lib/rules/canary";

/**
 * The wizard's plain-language preview of a rollout, as pure arithmetic over the
 * settings, the eligible count and the engine's real tick interval (from the
 * preview endpoint), so that it can be unit-tested and always says what the
 * engine (lib/rollout/) will do:
 * - each tick dispatches up to `rollout_rate` devices (fewer when `max_in_flight`
 *   caps the devices in progress);
 * - a canary campaign first sends only its canary wave, ceil(eligible × share / 100)
 *   devices (at least one), and continues with the rest once they have all finished
 *   and no more than the threshold of them failed;
 * - the failure threshold applies once min(abort_min_devices, eligible) devices have
 *   finished; the campaign completes on the tick after its last device finishes.
 * The duration assumes every device finishes within a tick.
 */
export interface RolloutInput {
  eligible: number;
  tickIntervalMs: number;
  strategy: "linear" | "canary";
  rolloutRate: number;
  canaryPercent: number;
  /** A fraction, 0–1 (what the API takes). */
  abortThreshold: number;
  minSample: number;
  maxInFlight?: number | null;
}

export interface RolloutPlan {
  /** Devices in the canary wave (0 for linear). */
  canarySize: number;
  /** Devices dispatched per tick, at most. */
  perTick: number;
  /** Ticks until the campaign completes if every device succeeds. */
  ticks: number;
  seconds: number;
  /** The minimum sample the engine really uses: capped at the eligible count. */
  minSample: number;
  summary: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** A tick as people say it: "1 s", "2.5 s", "10 s", "1 min". */
export function formatTick(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Number(s.toFixed(1))} s`;
}

/** 10 → "10%", 12.5 → "12.5%". */
export function formatThreshold(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))}%`;
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const eligible = Math.max(0, Math.floor(input.eligible));
  const rate = Math.max(1, Math.floor(input.rolloutRate));
  const perTick = input.maxInFlight ? Math.max(1, Math.min(rate, Math.floor(input.maxInFlight))) : rate;
  const canarySize = input.strategy === "canary" ? canaryWave(eligible, input.canaryPercent) : 0;
  const minSample = Math.max(1, Math.min(Math.floor(input.minSample), eligible));
  const ticks =
    eligible === 0
      ? 0
      : input.strategy === "canary"
        ? Math.ceil(canarySize / perTick) + Math.ceil((eligible - canarySize) / perTick)
        : Math.ceil(eligible / perTick);
  const seconds = (ticks * input.tickIntervalMs) / 1000;

  if (eligible === 0) {
    return {
      canarySize,
      perTick,
      ticks,
      seconds,
      minSample,
      summary: "No eligible devices: there is nothing to roll out.",
    };
  }

  const pace =
    `${plural(eligible, "eligible device")}, ${rate.toLocaleString("en-US")} every ${formatTick(input.tickIntervalMs)}` +
    (input.maxInFlight ? ` (at most ${plural(Math.floor(input.maxInFlight), "device")} in progress at a time)` : "");
  const canary =
    input.strategy === "canary"
      ? canarySize >= eligible
        ? `, all of them as the canary`
        : `, first ${plural(canarySize, "device")} as a canary, then the rest`
      : "";
  const sample =
    input.strategy === "canary"
      ? `the canary or of at least ${plural(minSample, "finished device")}`
      : `at least ${plural(minSample, "finished device")}`;
  const abort =
    input.abortThreshold >= 1
      ? "never aborts on failures (threshold 100%)"
      : input.abortThreshold <= 0
        ? input.strategy === "canary"
          ? `aborts on any failure in the canary, or on the first failure once ${plural(minSample, "device has", "devices have")} finished`
          : `aborts on the first failure once ${plural(minSample, "device has", "devices have")} finished`
        : `aborts if more than ${formatThreshold(input.abortThreshold)} of ${sample} fail`;
  const summary = `${pace}${canary}: about ${formatDuration(seconds)} if all succeed; ${abort}.`;
  return { canarySize, perTick, ticks, seconds, minSample, summary };
}
