"use client";

import { useId, type ReactNode } from "react";

/**
 * One choice of a radio group, drawn as a card: the radio is named by `title`
 * and described by `details`, so that "3.1.0" finds the firmware and a screen
 * reader still hears its type, size and date.
 */
export function RadioCard({
  name,
  value,
  checked,
  onSelect,
  title,
  details,
  aside,
}: {
  name: string;
  value: string;
  checked: boolean;
  onSelect: () => void;
  title: ReactNode;
  details?: ReactNode;
  aside?: ReactNode;
}) {
  const id = useId();
  return (
    <label
      htmlFor={id}
      className={`flex min-w-0 cursor-pointer items-start gap-3 rounded-lg border p-3 transition-colors ${
        checked
          ? "border-sky-500 bg-sky-50/70 ring-1 ring-sky-500"
          : "border-slate-200 bg-white hover:border-slate-300 hover:bg-slate-50"
      }`}
    >
      <input
        id={id}
        type="radio"
        name={name}
        value={value}
        checked={checked}
        onChange={onSelect}
        aria-labelledby={`${id}-title`}
        aria-describedby={[details && `${id}-details`, aside && `${id}-aside`].filter(Boolean).join(" ") || undefined}
        className="mt-1 size-4 shrink-0 accent-sky-700"
      />
      <span className="min-w-0 flex-1">
        <span id={`${id}-title`} className="block font-medium break-words text-slate-900">
          {title}
        </span>
        {details && (
          <span id={`${id}-details`} className="mt-0.5 block text-xs text-slate-500">
            {details}
          </span>
        )}
      </span>
      {aside && (
        <span id={`${id}-aside`} className="shrink-0 text-right text-xs text-slate-500">
          {aside}
        </span>
      )}
    </label>
  );
}

/** A step's title, focused when the step opens so that keyboard and screen-reader users land on it. */
export function StepHeading({
  id,
  children,
  description,
}: {
  id: string;
  children: ReactNode;
  description?: ReactNode;
}) {
  return (
    <div className="mb-4">
      <h2 id={id} tabIndex={-1} className="text-base font-semibold text-slate-900 focus:outline-none">
        {children}
      </h2>
      {description && <p className="mt-1 text-sm text-slate-500">{description}</p>}
    </div>
  );
}
