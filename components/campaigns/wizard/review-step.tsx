"use client";

import type { ReactNode } from "react";
import type { CampaignPreview } from "@/lib/api-client/campaigns";
import type { Firmware } from "@/lib/api-client/types";
import { FormError } from "@/components/ui/field";
import { Exact } from "@/components/ui/exact";
import { exactRate, formatBytes, formatDuration, formatPerMinute, perMinute } from "@/components/ui/format";
import { thresholdFraction, timeoutSeconds, type Settings } from "./draft";
import type { GroupItem } from "./group-step";
import { eligibilitySummary } from "./group-step";
import { canarySize } from "@/lib/rules/canary";
import { formatThreshold } from "./preview";
import { StepHeading } from "./radio-card";
import { rolloutSummary } from "./settings-step";

export function ReviewStep({
  headingId,
  firmware,
  group,
  settings,
  preview,
  startNow,
  onStartNow,
  error,
  onEdit,
}: {
  headingId: string;
  firmware: Firmware;
  group: GroupItem;
  settings: Settings;
  preview: CampaignPreview;
  startNow: boolean;
  onStartNow: (v: boolean) => void;
  error?: string;
  onEdit: (step: 1 | 2 | 3) => void;
}) {
  const canary = canarySize(preview.eligible_devices, Number(settings.canaryPercent));
  const seconds = timeoutSeconds(settings);
  const rows: [string, ReactNode, 1 | 2 | 3][] = [
    [
      "Firmware",
      <>
        <span className="font-mono">{firmware.version}</span> · {firmware.device_type ?? "any device type"} ·{" "}
        {formatBytes(firmware.file_size_bytes)}
      </>,
      1,
    ],
    [
      "Target group",
      <>
        {group.name} <span className="font-mono text-slate-500">({group.group_id})</span>
        <span className="block text-slate-500">{eligibilitySummary(preview)}</span>
      </>,
      2,
    ],
    ["Name", settings.name.trim(), 3],
    [
      "Strategy",
      settings.strategy === "canary"
        ? `Canary: ${settings.canaryPercent}% first (${canary} device${canary === 1 ? "" : "s"})`
        : "Linear",
      3,
    ],
    [
      "Rollout rate",
      <Exact
        key="rate"
        shown={formatPerMinute(perMinute(Number(settings.rolloutRate), preview.tick_interval_ms))}
        exact={exactRate(Number(settings.rolloutRate), preview.tick_interval_ms)}
      />,
      3,
    ],
    ["Max in flight", settings.maxInFlight.trim() ? `${settings.maxInFlight} devices` : "No limit", 3],
    ["Abort threshold", formatThreshold(thresholdFraction(settings.thresholdPercent)), 3],
    ["Minimum sample", `${settings.minSample} finished device${settings.minSample.trim() === "1" ? "" : "s"}`, 3],
    [
      "Device timeout",
      seconds >= 60 ? `${formatDuration(seconds)} (${seconds.toLocaleString()} s)` : `${seconds} s`,
      3,
    ],
  ];
  return (
    <>
      <StepHeading
        id={headingId}
        description="Check everything once more. Nothing is sent to devices until the campaign starts."
      >
        Review
      </StepHeading>
      <dl aria-label="Campaign summary" className="divide-y divide-slate-100 rounded-lg border border-slate-200">
        {rows.map(([label, value, step]) => (
          <div
            key={label}
            className="grid gap-1 px-4 py-2.5 text-sm sm:grid-cols-[11rem_1fr_auto] sm:items-start sm:gap-4"
          >
            <dt className="font-medium text-slate-500">{label}</dt>
            <dd className="min-w-0 break-words text-slate-900">{value}</dd>
            <dd className="hidden sm:block">
              <button
                type="button"
                onClick={() => onEdit(step)}
                aria-label={`Change ${label.toLowerCase()}`}
                className="text-xs font-medium text-sky-700 hover:underline"
              >
                Change
              </button>
            </dd>
          </div>
        ))}
      </dl>
      <p className="mt-4 rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-950">
        {rolloutSummary(settings, preview)}
      </p>
      <label className="mt-4 flex items-start gap-2.5 text-sm">
        <input
          type="checkbox"
          checked={startNow}
          onChange={(e) => onStartNow(e.target.checked)}
          className="mt-0.5 size-4 accent-sky-700"
        />
        <span>
          <span className="font-medium text-slate-900">Start now</span>
          <span className="block text-xs text-slate-500">
            Otherwise the campaign is created and waits for you to start it.
          </span>
        </span>
      </label>
      {error && (
        <div className="mt-4">
          <FormError>{error}</FormError>
        </div>
      )}
    </>
  );
}
