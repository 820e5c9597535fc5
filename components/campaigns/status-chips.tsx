"use client";

import { STATUS_COLOURS } from "@/components/ui/status-colours";
import { DEVICE_STATUSES, type DeviceStatus } from "@/lib/rules/statuses";
import { DEVICE_STATUS_LABEL } from "./rules";

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
  const all = DEVICE_STATUSES.reduce((a, s) => a + breakdown[s], 0);
  const chip = (active: boolean, empty: boolean) =>
    `inline-flex items-center gap-2 rounded-full border px-3 py-1 text-sm transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 ${
      active
        ? "border-sky-600 bg-sky-50 font-medium text-sky-900"
        : `border-slate-200 bg-white hover:border-slate-300 hover:bg-slate-50 ${empty ? "text-slate-500" : "text-slate-700"}`
    }`;
  return (
    <div role="group" aria-label="Filter devices by status" className="flex flex-wrap gap-2">
      <button
        type="button"
        aria-pressed={selected === undefined}
        onClick={() => onSelect(undefined)}
        className={chip(selected === undefined, false)}
      >
        All <span className="tabular-nums text-slate-600">{all.toLocaleString()}</span>
      </button>
      {DEVICE_STATUSES.map((s) => (
        <button
          key={s}
          type="button"
          aria-pressed={selected === s}
          onClick={() => onSelect(selected === s ? undefined : s)}
          className={chip(selected === s, breakdown[s] === 0)}
        >
          <span className={`size-2 rounded-full ${STATUS_COLOURS[s].fill}`} aria-hidden />
          {DEVICE_STATUS_LABEL[s]} <span className="tabular-nums text-slate-600">{breakdown[s].toLocaleString()}</span>
        </button>
      ))}
    </div>
  );
}
