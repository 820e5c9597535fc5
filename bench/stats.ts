export interface Latency {
  n: number;
  median_ms: number;
  p99_ms: number;
  max_ms: number;
}

/** Nearest-rank percentile of a sample (ms). */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function latency(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    median_ms: r(percentile(s, 50)),
    p99_ms: r(percentile(s, 99)),
    max_ms: r(s[s.length - 1] ?? NaN),
  };
}

export const perSecond = (count: number, ms: number) => (ms > 0 ? Math.round((count / ms) * 1000) : 0);
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
