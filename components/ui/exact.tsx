/**
 * A value rounded for reading ("600 devices/min", "30 min") with the exact value the
 * engine uses one click away: a disclosure, so it works by touch and keyboard too.
 */
export function Exact({ shown, exact }: { shown: string; exact: string }) {
  return (
    <details className="group inline-block align-top">
      <summary
        title={exact}
        className="cursor-pointer list-none underline decoration-slate-400 decoration-dotted underline-offset-4 [&::-webkit-details-marker]:hidden"
      >
        {shown}
      </summary>
      <span className="block text-xs text-slate-600">Exactly {exact}</span>
    </details>
  );
}
