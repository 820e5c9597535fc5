import type { CampaignStatus, DeviceStatus } from "@/lib/db/schema/campaigns";

/** One colour per status, the same on every page. */
const COLOURS: Record<CampaignStatus | DeviceStatus, string> = {
  CREATED: "bg-slate-100 text-slate-700",
  RUNNING: "bg-sky-100 text-sky-800",
  PAUSED: "bg-amber-100 text-amber-800",
  COMPLETED: "bg-emerald-100 text-emerald-800",
  ABORTED: "bg-red-100 text-red-800",
  PENDING: "bg-slate-100 text-slate-700",
  DOWNLOADING: "bg-sky-100 text-sky-800",
  INSTALLING: "bg-indigo-100 text-indigo-800",
  SUCCESS: "bg-emerald-100 text-emerald-800",
  FAILED: "bg-red-100 text-red-800",
  SKIPPED: "bg-zinc-100 text-zinc-600",
};

export function StatusBadge({ status }: { status: CampaignStatus | DeviceStatus }) {
  return (
    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-semibold ${COLOURS[status]}`}>{status}</span>
  );
}
