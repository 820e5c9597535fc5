"use client";

import type { DeviceStatus } from "@/lib/db/schema/campaigns";
import { DEVICE_STATUS_LABEL, DEVICE_STATUS_OPTIONS } from "./rules";

const DOT: Record<DeviceStatus, string> = {
  PENDING: "bg-slate-300",
  DOWNLOADING: "bg-sky-400",
  INSTALLING: "bg-indigo-400",
  SUCCESS: "bg-emerald-500",
  FAILED: "bg-red-500",
  SKIPPED: "bg-zinc-400",
};

/** One toggle per device status, with its count: pressing one filters the device table. */
export function StatusChips({
  breakdown,
  selected,
  onSelect,
}: {
  breakdown: Record<DeviceStatus, number>;
  selected: DeviceStatus | undefined;
  onSelect: (s: DeviceStatus | undefined) => void;
}) {
  const all = DEVICE_STATUS_OPTIONS.reduce((a, s) => a + breakdown[s], 0);
  const chip = (active: boolean, empty: boolean) =>
    `inline-flex items-center gap-2 rounded-full border px-3 py-1 text-sm transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 ${
      active
        ? "border-sky-600 bg-sky-50 font-medium text-sky-900"
        : `border-slate-200 bg-white hover:border-slate-300 hover:bg-slate-50 ${empty ? "text-slate-400" : "text-slate-700"}`
    }`;
  return (
    <div role="group" aria-label="Filter devices by status" className="flex flex-wrap gap-2">
      <button
        type="button"
        aria-pressed={selected === undefined}
        onClick={() => onSelect(undefined)}
        className={chip(selected === undefined, false)}
      >
        All <span className="tabular-nums text-slate-500">{all.toLocaleString()}</span>
      </button>
      {DEVICE_STATUS_OPTIONS.map((s) => (
        <button
          key={s}
          type="button"
          aria-pressed={selected === s}
          onClick={() => onSelect(selected === s ? undefined : s)}
          className={chip(selected === s, breakdown[s] === 0)}
        >
          <span className={`size-2 rounded-full ${DOT[s]}`} aria-hidden />
          {DEVICE_STATUS_LABEL[s]} <span className="tabular-nums text-slate-500">{breakdown[s].toLocaleString()}</span>
        </button>
      ))}
    </div>
  );
}
