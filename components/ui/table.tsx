import type { ReactNode, TdHTMLAttributes, ThHTMLAttributes } from "react";

/**
 * A data table in a card that scrolls sideways on narrow screens, with a shadow at the
 * edge that has more (the page itself never
 * does). `label` names the table for screen readers and tests (a visually hidden caption).
 * `relative` matters: it makes the card the containing block of visually hidden
 * (absolutely positioned) headers, which otherwise escape the scroller and widen the page.
 */
export function DataTable({ label, head, children }: { label: string; head: ReactNode; children: ReactNode }) {
  return (
    <div className="scroll-hint relative overflow-x-auto rounded-lg border border-slate-200 shadow-sm">
      <table className="w-full min-w-max text-sm">
        <caption className="sr-only">{label}</caption>
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>{head}</tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{children}</tbody>
      </table>
    </div>
  );
}

export function Th({ className = "", ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="col" {...props} className={`px-4 py-2.5 whitespace-nowrap ${className}`} />;
}

export function Td({ className = "", ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td {...props} className={`px-4 py-2.5 align-middle ${className}`} />;
}

/** The title of a page, a line about it, and its actions on the right (below it on phones). */
export function PageHeader({
  title,
  description,
  actions,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <div className="mb-5 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900 break-words">{title}</h1>
        {description && <div className="mt-1 text-sm text-slate-500">{description}</div>}
      </div>
      {actions && <div className="flex shrink-0 flex-wrap gap-2">{actions}</div>}
    </div>
  );
}
