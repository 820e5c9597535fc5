"use client";

import { useId } from "react";
import type { CampaignPreview } from "@/lib/api-client/campaigns";
import { TextField } from "@/components/ui/field";
import { formatDuration, formatPerMinute, perMinute } from "@/components/ui/format";
import { validateSettings, thresholdFraction, timeoutSeconds, type FieldErrors, type Settings } from "./draft";
import { planRollout } from "./preview";
import { StepHeading } from "./radio-card";

const NUMERIC: (keyof FieldErrors)[] = [
  "canary_percent",
  "rollout_rate",
  "abort_threshold",
  "abort_min_devices",
  "device_timeout_seconds",
  "max_in_flight",
];

/** The plan in one sentence, or nothing while the numbers are not valid yet. */
export function rolloutSummary(s: Settings, preview: CampaignPreview): string | null {
  const errors = validateSettings(s);
  if (NUMERIC.some((f) => errors[f as string])) return null;
  return planRollout({
    eligible: preview.eligible_devices,
    tickIntervalMs: preview.tick_interval_ms,
    strategy: s.strategy,
    rolloutRate: Number(s.rolloutRate),
    canaryPercent: Number(s.canaryPercent),
    abortThreshold: thresholdFraction(s.thresholdPercent),
    minSample: Number(s.minSample),
    maxInFlight: s.maxInFlight.trim() ? Number(s.maxInFlight) : null,
  }).summary;
}

export function SettingsStep({
  headingId,
  settings,
  onChange,
  errors,
  preview,
}: {
  headingId: string;
  settings: Settings;
  onChange: (patch: Partial<Settings>, field: string) => void;
  errors: FieldErrors;
  preview: CampaignPreview;
}) {
  const summary = rolloutSummary(settings, preview);
  const tick = preview.tick_interval_ms / 1000;
  return (
    <>
      <StepHeading id={headingId} description="How fast to roll out, and when to stop on its own.">
        Settings
      </StepHeading>
      <div className="grid gap-5">
        <TextField
          label="Name"
          value={settings.name}
          onChange={(e) => onChange({ name: e.target.value }, "name")}
          error={errors.name}
          placeholder="e.g. Sensors to 3.1.0"
          autoComplete="off"
        />

        <StrategyField settings={settings} onChange={onChange} error={errors.rollout_strategy} />

        {settings.strategy === "canary" && (
          <TextField
            label="Canary share (%)"
            type="number"
            inputMode="numeric"
            min={1}
            max={50}
            value={settings.canaryPercent}
            onChange={(e) => onChange({ canaryPercent: e.target.value }, "canary_percent")}
            error={errors.canary_percent}
            hint="1–50% of the eligible devices (at least one) go first; the rest follow only if they pass."
            className="sm:max-w-40"
          />
        )}

        <div className="grid gap-5 sm:grid-cols-2">
          <TextField
            label="Rollout rate (devices per tick)"
            type="number"
            inputMode="numeric"
            min={1}
            value={settings.rolloutRate}
            onChange={(e) => onChange({ rolloutRate: e.target.value }, "rollout_rate")}
            error={errors.rollout_rate}
            hint={rateHint(settings.rolloutRate, preview.tick_interval_ms, tick)}
          />
          <TextField
            label="Max in flight (optional)"
            type="number"
            inputMode="numeric"
            min={1}
            value={settings.maxInFlight}
            onChange={(e) => onChange({ maxInFlight: e.target.value }, "max_in_flight")}
            error={errors.max_in_flight}
            hint="At most this many devices downloading or installing at once. Empty: no limit."
          />
          <TextField
            label="Abort threshold (%)"
            type="number"
            inputMode="decimal"
            min={0}
            max={100}
            step="any"
            value={settings.thresholdPercent}
            onChange={(e) => onChange({ thresholdPercent: e.target.value }, "abort_threshold")}
            error={errors.abort_threshold}
            hint="Abort when more than this share of finished devices failed."
          />
          <TextField
            label="Minimum sample (finished devices)"
            type="number"
            inputMode="numeric"
            min={1}
            value={settings.minSample}
            onChange={(e) => onChange({ minSample: e.target.value }, "abort_min_devices")}
            error={errors.abort_min_devices}
            hint="The threshold applies once this many devices have finished, so one early failure cannot abort."
          />
          <TimeoutField settings={settings} onChange={onChange} error={errors.device_timeout_seconds} />
        </div>

        <section
          aria-label="Rollout preview"
          aria-live="polite"
          className="rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-950"
        >
          <p className="text-xs font-semibold uppercase tracking-wide text-sky-800">What will happen</p>
          <p className="mt-1">{summary ?? "Fill in the numbers above to see how the rollout will go."}</p>
        </section>
      </div>
    </>
  );
}

function StrategyField({
  settings,
  onChange,
  error,
}: {
  settings: Settings;
  onChange: (patch: Partial<Settings>, field: string) => void;
  error?: string;
}) {
  const options = [
    { value: "linear", label: "Linear", text: "Every eligible device, at the rollout rate." },
    { value: "canary", label: "Canary", text: "A small share first; the rest only if it passes." },
  ] as const;
  return (
    <fieldset className="min-w-0">
      <legend className="text-sm font-medium text-slate-800">Strategy</legend>
      <div className="mt-1 grid gap-2 sm:grid-cols-2">
        {options.map((o) => (
          <label
            key={o.value}
            className={`flex cursor-pointer items-start gap-2.5 rounded-md border p-2.5 text-sm ${
              settings.strategy === o.value
                ? "border-sky-500 bg-sky-50/70 ring-1 ring-sky-500"
                : "border-slate-300 bg-white hover:bg-slate-50"
            }`}
          >
            <input
              type="radio"
              name="strategy"
              value={o.value}
              checked={settings.strategy === o.value}
              onChange={() => onChange({ strategy: o.value }, "rollout_strategy")}
              className="mt-0.5 size-4 accent-sky-700"
            />
            <span>
              <span className="block font-medium text-slate-900">{o.label}</span>
              <span className="block text-xs text-slate-500">{o.text}</span>
            </span>
          </label>
        ))}
      </div>
      {error && <p className="mt-1 text-xs font-medium text-red-700">{error}</p>}
    </fieldset>
  );
}

/** A number and its unit; switching the unit converts the number when it divides evenly. */
function TimeoutField({
  settings,
  onChange,
  error,
}: {
  settings: Settings;
  onChange: (patch: Partial<Settings>, field: string) => void;
  error?: string;
}) {
  const id = useId();
  const border = error
    ? "border-red-400 focus:border-red-500 focus:ring-red-200"
    : "border-slate-300 focus:border-sky-500 focus:ring-sky-200";
  const switchUnit = (unit: Settings["timeoutUnit"]) => {
    const s = timeoutSeconds(settings);
    let timeout = settings.timeout;
    if (settings.timeout.trim() && Number.isFinite(s)) {
      if (unit === "minutes" && s % 60 === 0) timeout = String(s / 60);
      if (unit === "seconds") timeout = String(s);
    }
    onChange({ timeoutUnit: unit, timeout }, "device_timeout_seconds");
  };
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        Device timeout
      </label>
      <div className="mt-1 flex gap-2">
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={1}
          step="any"
          value={settings.timeout}
          onChange={(e) => onChange({ timeout: e.target.value }, "device_timeout_seconds")}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${id}-${error ? "error" : "hint"}`}
          className={`block w-full min-w-0 rounded-md border bg-white px-3 py-2 text-sm text-slate-900 focus:outline-none focus:ring-2 ${border}`}
        />
        <select
          aria-label="Timeout unit"
          value={settings.timeoutUnit}
          onChange={(e) => switchUnit(e.target.value as Settings["timeoutUnit"])}
          className="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200"
        >
          <option value="seconds">seconds</option>
          <option value="minutes">minutes</option>
        </select>
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-xs font-medium text-red-700">
          {error}
        </p>
      ) : (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          A device that reports nothing for this long counts as failed
          {timeoutText(settings) && <> ({timeoutText(settings)})</>}.
        </p>
      )}
    </div>
  );
}

/** The rate as an operator pictures it (per minute), beside the engine's own unit. */
function rateHint(rate: string, tickMs: number, tick: number): string {
  const n = Number(rate);
  const per = Number.isFinite(n) && n > 0 ? `: ${formatPerMinute(perMinute(n, tickMs))}` : "";
  return `Devices sent the update on each tick of the engine (one tick every ${tick} s)${per}.`;
}

/** "30 min" for a timeout typed in seconds (and the reverse), so both units are in view. */
function timeoutText(settings: Settings): string | null {
  const s = timeoutSeconds(settings);
  if (!settings.timeout.trim() || !Number.isFinite(s) || s < 1) return null;
  return settings.timeoutUnit === "seconds" ? formatDuration(s) : `${s.toLocaleString()} s`;
}
