import type { DeviceStatus } from "@/lib/db/schema/campaigns";

type Breakdown = Record<DeviceStatus, number>;

/** The split bar: succeeded / failed / in progress / pending (skipped devices are not part of the rollout). */
export function SplitProgress({ breakdown, label }: { breakdown: Breakdown; label?: string }) {
  const inProgress = breakdown.DOWNLOADING + breakdown.INSTALLING;
  const parts = [
    { key: "succeeded", n: breakdown.SUCCESS, cls: "bg-emerald-500" },
    { key: "failed", n: breakdown.FAILED, cls: "bg-red-500" },
    { key: "in progress", n: inProgress, cls: "bg-sky-400" },
    { key: "pending", n: breakdown.PENDING, cls: "bg-slate-200" },
  ];
  const total = parts.reduce((a, p) => a + p.n, 0);
  const summary = parts.map((p) => `${p.n} ${p.key}`).join(", ");
  return (
    <div
      role="img"
      aria-label={label ? `${label}: ${summary}` : summary}
      title={summary}
      className="flex h-2 w-full min-w-24 overflow-hidden rounded-full bg-slate-100"
    >
      {total > 0 &&
        parts.map((p) =>
          p.n > 0 ? <div key={p.key} className={p.cls} style={{ width: `${(p.n / total) * 100}%` }} /> : null,
        )}
    </div>
  );
}

/** A single device's progress (0–100). */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  return (
    <div className="flex items-center gap-2">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        className="h-1.5 w-20 overflow-hidden rounded-full bg-slate-100"
      >
        <div className="h-full bg-sky-500 transition-[width]" style={{ width: `${value}%` }} />
      </div>
      <span className="tabular-nums text-xs text-slate-500">{value}%</span>
    </div>
  );
}
