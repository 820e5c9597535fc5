"use client";

import { formatDateTime, formatRelative } from "./format";

const exact = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" });

/** "3 min ago", with the exact time on hover (title) and for machines (dateTime). */
export function RelativeTime({ iso, never = "never" }: { iso: string | null | undefined; never?: string }) {
  if (!iso) return <span className="text-slate-400">{never}</span>;
  return (
    <time dateTime={iso} title={exact(iso)}>
      {formatRelative(iso)}
    </time>
  );
}

/** "Mar 4, 2026, 10:15 AM", with the full date and zone on hover. */
export function DateTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="text-slate-400">—</span>;
  return (
    <time dateTime={iso} title={exact(iso)}>
      {formatDateTime(iso)}
    </time>
  );
}
