"use client";

/**
 * A device's start and finish times: seconds matter during a rollout, so today's
 * times show "14:03:27", older ones their date too; the full time is in the title.
 */
export function PreciseTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="text-slate-400">—</span>;
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  const text = today
    ? d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  return (
    <time dateTime={iso} title={d.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" })} className="tabular-nums">
      {text}
    </time>
  );
}
