"use client";

import { Button } from "./button";

/**
 * Server-side paging: "1–50 of 100,000" with first / previous / next / last. The buttons
 * show arrows and are named "Next page" and so on, so that they never read as a second
 * "Next" beside a form's own (the campaign wizard's firmware list sits above its "Next").
 */
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
        <PageButton label="First page" glyph="«" onClick={() => onOffset(0)} disabled={offset === 0} />
        <PageButton
          label="Previous page"
          glyph="‹"
          onClick={() => onOffset(Math.max(0, offset - limit))}
          disabled={offset === 0}
        />
        <PageButton
          label="Next page"
          glyph="›"
          onClick={() => onOffset(offset + limit)}
          disabled={offset + limit >= total}
        />
        <PageButton label="Last page" glyph="»" onClick={() => onOffset(last)} disabled={offset >= last} />
      </div>
    </nav>
  );
}

function PageButton({
  label,
  glyph,
  onClick,
  disabled,
}: {
  label: string;
  glyph: string;
  onClick: () => void;
  disabled: boolean;
}) {
  return (
    <Button
      size="sm"
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={disabled}
      className="min-w-8 text-base"
    >
      <span aria-hidden>{glyph}</span>
    </Button>
  );
}
