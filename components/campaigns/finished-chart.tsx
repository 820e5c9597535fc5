"use client";

import { formatDuration } from "@/components/ui/format";
import type { Sample } from "./eta";

const W = 600;
const clock = (t: number) =>
  new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const H = 120;

/** A step line through the samples, scaled into the chart's box. */
function path(samples: readonly Sample[], value: (s: Sample) => number, yMax: number): string {
  const t0 = samples[0]!.t;
  const span = Math.max(1, samples.at(-1)!.t - t0);
  const x = (s: Sample) => ((s.t - t0) / span) * W;
  const y = (s: Sample) => H - (value(s) / yMax) * H;
  let d = `M ${x(samples[0]!)} ${y(samples[0]!)}`;
  for (let i = 1; i < samples.length; i++) d += ` H ${x(samples[i]!)} V ${y(samples[i]!)}`;
  return d;
}

/**
 * Devices finished (and failed) over the time this page has been open: inline SVG from
 * the samples the page collected, so it needs no history from the server.
 */
export function FinishedChart({ samples, eligible }: { samples: readonly Sample[]; eligible: number }) {
  if (samples.length < 2) return null;
  const last = samples.at(-1)!;
  const first = samples[0]!;
  const yMax = Math.max(1, eligible, last.finished);
  const line = path(samples, (s) => s.finished, yMax);
  const seconds = (last.t - first.t) / 1000;
  const summary = `Devices finished over the last ${formatDuration(seconds)}: from ${first.finished.toLocaleString()} to ${last.finished.toLocaleString()} of ${eligible.toLocaleString()}, ${last.failed.toLocaleString()} failed`;
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <figcaption className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
        <span className="font-medium text-slate-800">Devices finished while you watched</span>
        <span className="flex items-center gap-3 text-xs text-slate-500">
          <span className="flex items-center gap-1">
            <span className="h-0.5 w-3 bg-sky-600" aria-hidden /> finished
          </span>
          <span className="flex items-center gap-1">
            <span className="h-0.5 w-3 bg-red-500" aria-hidden /> failed
          </span>
        </span>
      </figcaption>
      <div className="relative mt-3">
        <span className="absolute top-0 left-0 text-[11px] tabular-nums text-slate-500">{yMax.toLocaleString()}</span>
        <svg
          viewBox={`0 0 ${W} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={summary}
          className="h-28 w-full overflow-visible"
        >
          <line x1={0} y1={H} x2={W} y2={H} className="stroke-slate-200" vectorEffect="non-scaling-stroke" />
          <line
            x1={0}
            y1={0}
            x2={W}
            y2={0}
            className="stroke-slate-100"
            strokeDasharray="4 4"
            vectorEffect="non-scaling-stroke"
          />
          <path d={`${line} V ${H} H 0 Z`} className="fill-sky-100/70" />
          <path d={line} fill="none" className="stroke-sky-600" strokeWidth={2} vectorEffect="non-scaling-stroke" />
          {last.failed > 0 && (
            <path
              d={path(samples, (s) => s.failed, yMax)}
              fill="none"
              className="stroke-red-500"
              strokeWidth={1.5}
              vectorEffect="non-scaling-stroke"
            />
          )}
        </svg>
      </div>
      <div className="mt-1 flex justify-between text-[11px] text-slate-500">
        <time dateTime={new Date(first.t).toISOString()}>{clock(first.t)}</time>
        <time dateTime={new Date(last.t).toISOString()}>{clock(last.t)}</time>
      </div>
    </figure>
  );
}
