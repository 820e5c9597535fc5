"use client";

import { Button } from "./button";

/** Server-side paging: "1–50 of 100,000" with first / previous / next / last. */
export function Pagination({
  total,
  limit,
  offset,
  onOffset,
  label = "Pagination",
}: {
  total: number;
  limit: number;
  offset: number;
  onOffset: (offset: number) => void;
  label?: string;
}) {
  if (total <= limit && offset === 0) return null;
  const last = Math.max(0, Math.floor((total - 1) / limit) * limit);
  const from = total === 0 ? 0 : offset + 1;
  const to = Math.min(total, offset + limit);
  return (
    <nav aria-label={label} className="flex flex-wrap items-center justify-between gap-2 py-3 text-sm text-slate-600">
      <p className="tabular-nums">
        {from.toLocaleString()}–{to.toLocaleString()} of {total.toLocaleString()}
      </p>
      <div className="flex gap-1">
        <Button size="sm" onClick={() => onOffset(0)} disabled={offset === 0}>
          First
        </Button>
        <Button size="sm" onClick={() => onOffset(Math.max(0, offset - limit))} disabled={offset === 0}>
          Previous
        </Button>
        <Button size="sm" onClick={() => onOffset(offset + limit)} disabled={offset + limit >= total}>
          Next
        </Button>
        <Button size="sm" onClick={() => onOffset(last)} disabled={offset >= last}>
          Last
        </Button>
      </div>
    </nav>
  );
}
