import type { ReactNode } from "react";
import Link from "next/link";

/** What a page shows for an id the API does not know (or that belongs to another tenant). */
export function NotFoundState({
  title,
  children,
  backHref,
  backLabel,
}: {
  title: string;
  children?: ReactNode;
  backHref: string;
  backLabel: string;
}) {
  return (
    <div className="mx-auto mt-8 max-w-md rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">404</p>
      <h1 className="mt-1 text-xl font-semibold tracking-tight text-slate-900">{title}</h1>
      {children && <div className="mt-2 text-sm text-slate-500">{children}</div>}
      <Link href={backHref} className="mt-5 inline-block text-sm font-medium text-sky-800 hover:underline">
        ← {backLabel}
      </Link>
    </div>
  );
}
