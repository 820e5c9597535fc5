import type { DeviceStatus } from "@/lib/rules/statuses";
import { STATUS_COLOURS } from "./status-colours";

type Breakdown = Record<DeviceStatus, number>;

/**
 * The split bar of a campaign over its eligible devices (skipped ones were never part of
 * the rollout), the same base as the percentage and the counts beside it: succeeded and
 * failed solid, in progress faint, pending left as the empty track. So the solid part is
 * exactly the "finished" percentage.
 */
export function SplitProgress({ breakdown, label }: { breakdown: Breakdown; label?: string }) {
  const inProgress = breakdown.DOWNLOADING + breakdown.INSTALLING;
  const parts = [
    { key: "succeeded", n: breakdown.SUCCESS, cls: STATUS_COLOURS.SUCCESS.fill },
    { key: "failed", n: breakdown.FAILED, cls: STATUS_COLOURS.FAILED.fill },
    { key: "in progress", n: inProgress, cls: `${STATUS_COLOURS.DOWNLOADING.fill} opacity-40` },
    { key: "pending", n: breakdown.PENDING, cls: "" },
  ];
  const total = parts.reduce((a, p) => a + p.n, 0);
  const summary = parts.map((p) => `${p.n} ${p.key}`).join(", ");
  return (
    <div
      role="img"
      aria-label={label ? `${label}: ${summary}` : summary}
      title={summary}
      className="flex h-2 w-full min-w-24 overflow-hidden rounded-full bg-slate-200"
    >
      {total > 0 &&
        parts.map((p) =>
          p.n > 0 && p.cls ? <div key={p.key} className={p.cls} style={{ width: `${(p.n / total) * 100}%` }} /> : null,
        )}
    </div>
  );
}

/** A campaign's base: its eligible devices (older rows may lack the count: every device not skipped). */
export const eligibleOf = (c: { eligible_devices: number; total_devices: number; status_breakdown: Breakdown }) =>
  c.eligible_devices || c.total_devices - c.status_breakdown.SKIPPED;
