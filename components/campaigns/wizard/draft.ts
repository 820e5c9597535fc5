import type { CampaignDraft } from "@/lib/api-client/campaigns";

/**
 * The wizard's settings as typed (strings, as inputs hold them), their defaults, the
 * checks the form makes before sending, and the conversion to the API's body.
 * The form checks what the inputs themselves mean (a whole number, a percentage);
 * the API's own limits (name length, maximum rate, …) stay the API's, and its 422
 * messages are shown beside the field they concern.
 */
export interface Settings {
  name: string;
  strategy: "linear" | "canary";
  canaryPercent: string;
  rolloutRate: string;
  thresholdPercent: string;
  minSample: string;
  timeout: string;
  timeoutUnit: "seconds" | "minutes";
  maxInFlight: string;
}

export const DEFAULT_SETTINGS: Settings = {
  name: "",
  strategy: "linear",
  canaryPercent: "5",
  rolloutRate: "10",
  thresholdPercent: "10",
  minSample: "10",
  timeout: "30",
  timeoutUnit: "minutes",
  maxInFlight: "",
};

/** A settings field, named as the API names it (so a 422's `loc` finds its input). */
export type SettingsField =
  | "name"
  | "rollout_strategy"
  | "canary_percent"
  | "rollout_rate"
  | "abort_threshold"
  | "abort_min_devices"
  | "device_timeout_seconds"
  | "max_in_flight";

export const SETTINGS_FIELDS: readonly SettingsField[] = [
  "name",
  "rollout_strategy",
  "canary_percent",
  "rollout_rate",
  "abort_threshold",
  "abort_min_devices",
  "device_timeout_seconds",
  "max_in_flight",
];

export type FieldErrors = Partial<Record<string, string>>;

/** Which step (1–4) a field of the API's body belongs to, for taking the user back to it. */
export function stepOfField(field: string): 1 | 2 | 3 | undefined {
  if (field === "firmware_version_id") return 1;
  if (field === "target_group_id") return 2;
  if ((SETTINGS_FIELDS as readonly string[]).includes(field)) return 3;
  return undefined;
}

const WHOLE = /^\s*\d+\s*$/;
const DECIMAL = /^\s*\d+(\.\d+)?\s*$/;

function wholeNumber(v: string, min: number, max?: number): string | undefined {
  if (!v.trim()) return "Required";
  if (!WHOLE.test(v)) return "Enter a whole number";
  const n = Number(v);
  if (n < min) return `Must be at least ${min}`;
  if (max !== undefined && n > max) return `Must be at most ${max}`;
  return undefined;
}

/** The form's own checks; an empty result means the settings can be sent. */
export function validateSettings(s: Settings): FieldErrors {
  const e: FieldErrors = {};
  if (!s.name.trim()) e.name = "Give the campaign a name";
  if (s.strategy === "canary") {
    const m = wholeNumber(s.canaryPercent, 1, 50);
    if (m) e.canary_percent = m;
  }
  const rate = wholeNumber(s.rolloutRate, 1);
  if (rate) e.rollout_rate = rate;
  if (!s.thresholdPercent.trim()) e.abort_threshold = "Required";
  else if (!DECIMAL.test(s.thresholdPercent) || Number(s.thresholdPercent) > 100)
    e.abort_threshold = "Enter a percentage from 0 to 100";
  const sample = wholeNumber(s.minSample, 1);
  if (sample) e.abort_min_devices = sample;
  if (!s.timeout.trim()) e.device_timeout_seconds = "Required";
  else if (!DECIMAL.test(s.timeout) || timeoutSeconds(s) < 1)
    e.device_timeout_seconds = "Enter a duration of at least 1 second";
  if (s.maxInFlight.trim()) {
    const m = wholeNumber(s.maxInFlight, 1);
    if (m) e.max_in_flight = m;
  }
  return e;
}

export function timeoutSeconds(s: Pick<Settings, "timeout" | "timeoutUnit">): number {
  return Math.round(Number(s.timeout) * (s.timeoutUnit === "minutes" ? 60 : 1));
}

/** The percentage as typed, as the fraction the API takes (10 → 0.1), without float noise. */
export const thresholdFraction = (percent: string) => Number((Number(percent) / 100).toFixed(6));

export function toDraft(s: Settings, firmwareId: number, groupId: string): CampaignDraft {
  return {
    name: s.name.trim(),
    firmware_version_id: firmwareId,
    target_group_id: groupId,
    rollout_strategy: s.strategy,
    rollout_rate: Number(s.rolloutRate),
    abort_threshold: thresholdFraction(s.thresholdPercent),
    // Linear campaigns keep the API's default share: it is stored but unused.
    ...(s.strategy === "canary" ? { canary_percent: Number(s.canaryPercent) } : {}),
    abort_min_devices: Number(s.minSample),
    device_timeout_seconds: timeoutSeconds(s),
    max_in_flight: s.maxInFlight.trim() ? Number(s.maxInFlight) : null,
  };
}
