import type { DeviceStatus } from "@/lib/rules/statuses";
import { DeviceText } from "./device-text";
import { STATUS_COLOURS } from "./status-colours";

/**
 * A device's progress in one campaign, the same in the campaign's device table and in
 * the device's OTA history: a bar coloured by status (STATUS_COLOURS), so a failed
 * device shows a red bar where it stopped and a finished one a green full bar. Devices
 * never sent the update (pending, skipped) have no bar.
 */
export function DeviceProgress({ status, progress, label }: { status: DeviceStatus; progress: number; label: string }) {
  // Not sent the update (yet): nothing to draw; the status beside it says which.
  if (status === "PENDING" || status === "SKIPPED") return <span className="text-slate-500">—</span>;
  const value = status === "SUCCESS" ? 100 : Math.max(0, Math.min(100, progress));
  const text = status === "FAILED" ? `stopped at ${value}%` : `${value}%`;
  return (
    <div className="flex items-center gap-2">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        aria-valuetext={`${status.toLowerCase()}, ${text}`}
        data-status={status}
        className="h-1.5 w-20 shrink-0 overflow-hidden rounded-full bg-slate-100"
      >
        <div className={`h-full transition-[width] ${STATUS_COLOURS[status].fill}`} style={{ width: `${value}%` }} />
      </div>
      <span
        className={`whitespace-nowrap text-xs tabular-nums ${status === "FAILED" ? "text-red-800" : "text-slate-600"}`}
      >
        {text}
      </span>
    </div>
  );
}

/**
 * What a device's message means depends on its status: a FAILED device's is an error,
 * a SKIPPED device's is why it was left out ("already up to date"), which is no error.
 */
export function DeviceReason({ status, message }: { status: DeviceStatus; message: string | null }) {
  if (!message) return <span className="text-slate-500">—</span>;
  if (status === "SKIPPED")
    return (
      <span className="text-slate-600">
        <span className="font-medium">Skipped: </span>
        <DeviceText value={message} />
      </span>
    );
  return (
    <span className="text-red-800">
      <span className="sr-only">Error: </span>
      <DeviceText value={message} />
    </span>
  );
}
