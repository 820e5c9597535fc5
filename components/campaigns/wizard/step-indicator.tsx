"use client";

export const STEPS = ["Firmware", "Target group", "Settings", "Review"] as const;
export type Step = 1 | 2 | 3 | 4;

/**
 * Where the user is: an ordered list whose current item has aria-current="step".
 * Steps already passed are buttons back to them; later ones are plain text.
 */
export function StepIndicator({ step, onGo }: { step: Step; onGo: (s: Step) => void }) {
  return (
    <ol aria-label="Steps" className="grid grid-cols-4 gap-2">
      {STEPS.map((label, i) => {
        const n = (i + 1) as Step;
        const state = n < step ? "done" : n === step ? "current" : "todo";
        const bar = state === "todo" ? "bg-slate-200" : "bg-sky-600";
        const inner = (
          <>
            <span className={`block h-1 rounded-full ${bar}`} aria-hidden />
            <span className="mt-2 flex items-center gap-1.5 text-xs sm:text-sm">
              <span
                aria-hidden
                className={`hidden size-5 shrink-0 items-center justify-center rounded-full text-[11px] font-semibold sm:inline-flex ${
                  state === "todo"
                    ? "bg-slate-100 text-slate-600"
                    : state === "current"
                      ? "bg-sky-700 text-white"
                      : "bg-sky-100 text-sky-800"
                }`}
              >
                {state === "done" ? "✓" : n}
              </span>
              <span
                className={`truncate ${state === "current" ? "font-semibold text-slate-900" : state === "done" ? "text-sky-800" : "text-slate-500"}`}
              >
                <span className="sr-only">Step {n}: </span>
                {label}
              </span>
            </span>
          </>
        );
        return (
          <li key={label} aria-current={state === "current" ? "step" : undefined} className="min-w-0">
            {state === "done" ? (
              <button
                type="button"
                onClick={() => onGo(n)}
                className="block w-full rounded text-left hover:opacity-80 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
              >
                {inner}
              </button>
            ) : (
              inner
            )}
          </li>
        );
      })}
    </ol>
  );
}
