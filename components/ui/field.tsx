"use client";

import { useId, type InputHTMLAttributes, type ReactNode, type TextareaHTMLAttributes } from "react";

const INPUT =
  "mt-1 block w-full rounded-md border bg-white px-3 py-2 text-sm text-slate-900 placeholder:text-slate-500 focus:outline-none focus:ring-2 disabled:bg-slate-50";
const OK = "border-slate-300 focus:border-sky-500 focus:ring-sky-200";
const BAD = "border-red-400 focus:border-red-500 focus:ring-red-200";

interface Common {
  label: string;
  /** The server's (or the form's) message about this field, shown beside it. */
  error?: string;
  hint?: ReactNode;
}

function Frame({ id, label, error, hint, children }: Common & { id: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {hint && !error && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="mt-1 text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}

const describedBy = (id: string, { error, hint }: Common) => (error ? `${id}-error` : hint ? `${id}-hint` : undefined);

/** A labelled input with its error (or hint) below it, tied together for screen readers. */
export function TextField({
  label,
  error,
  hint,
  className = "",
  ...props
}: Common & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint}>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, { label, error, hint })}
        {...props}
        className={`${INPUT} ${error ? BAD : OK} ${className}`}
      />
    </Frame>
  );
}

export function TextAreaField({
  label,
  error,
  hint,
  className = "",
  ...props
}: Common & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <Frame id={id} label={label} error={error} hint={hint}>
      <textarea
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, { label, error, hint })}
        rows={3}
        {...props}
        className={`${INPUT} ${error ? BAD : OK} ${className}`}
      />
    </Frame>
  );
}

/** A message about the whole form (a conflict, a refusal): announced when it appears. */
export function FormError({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
      {children}
    </p>
  );
}

/** The filter inputs above a table: compact, labelled. */
export const FILTER_INPUT =
  "mt-1 block w-full min-w-0 rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm focus:border-sky-500 focus:outline-none focus:ring-2 focus:ring-sky-200 sm:w-48";
