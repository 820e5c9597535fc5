import type { CampaignStatus, DeviceStatus } from "@/lib/rules/statuses";

/**
 * The one colour map of the screens, keyed by status: the badge, the bar of a device's
 * progress, the slice of a campaign's split bar and the dot of a filter chip all read it,
 * so a failed device is red everywhere and never a blue bar. Text colours keep at least
 * 4.5:1 against their background (WCAG AA).
 */
export const STATUS_COLOURS: Record<CampaignStatus | DeviceStatus, { badge: string; fill: string }> = {
  CREATED: { badge: "bg-slate-100 text-slate-700", fill: "bg-slate-400" },
  RUNNING: { badge: "bg-sky-100 text-sky-800", fill: "bg-sky-500" },
  PAUSED: { badge: "bg-amber-100 text-amber-800", fill: "bg-amber-500" },
  COMPLETED: { badge: "bg-emerald-100 text-emerald-800", fill: "bg-emerald-500" },
  ABORTED: { badge: "bg-red-100 text-red-800", fill: "bg-red-500" },
  PENDING: { badge: "bg-slate-100 text-slate-700", fill: "bg-slate-400" },
  DOWNLOADING: { badge: "bg-sky-100 text-sky-800", fill: "bg-sky-500" },
  INSTALLING: { badge: "bg-indigo-100 text-indigo-800", fill: "bg-indigo-500" },
  SUCCESS: { badge: "bg-emerald-100 text-emerald-800", fill: "bg-emerald-500" },
  FAILED: { badge: "bg-red-100 text-red-800", fill: "bg-red-500" },
  SKIPPED: { badge: "bg-zinc-100 text-zinc-700", fill: "bg-zinc-400" },
};
