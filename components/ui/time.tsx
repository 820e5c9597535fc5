"use client";

import { formatDateTime, formatRelative } from "./format";

const exact = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" });

/** "3 min ago", with the exact time on hover (title) and for machines (dateTime). */
export function RelativeTime({ iso, never = "never" }: { iso: string | null | undefined; never?: string }) {
  if (!iso) return <span className="text-slate-500">{never}</span>;
  return (
    <time dateTime={iso} title={exact(iso)}>
      {formatRelative(iso)}
    </time>
  );
}

/** "Mar 4, 2026, 10:15 AM", with the full date and zone on hover. */
export function DateTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="text-slate-500">—</span>;
  return (
    <time dateTime={iso} title={exact(iso)}>
      {formatDateTime(iso)}
    </time>
  );
}

/**
 * A device's start and finish times: seconds matter during a rollout, so today's
 * times show "14:03:27", older ones their date too; the full time is in the title.
 */
export function PreciseTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="text-slate-500">—</span>;
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  const text = today
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString(undefined, {
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      });
  return (
    <time dateTime={iso} title={exact(iso)} className="tabular-nums">
      {text}
    </time>
  );
}
