/** Formatting shared by every page: sizes, times, durations, percentages. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

export function formatRelative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.round((now - new Date(iso).getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** "about 20 s", "about 3 min", "about 2 h 10 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds - h * 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

export const formatPercent = (fraction: number, digits = 0) => `${(fraction * 100).toFixed(digits)}%`;

/** A rate in devices per tick of `tickMs`, per minute: what an operator can picture. */
export function perMinute(perTick: number, tickMs: number): number {
  return tickMs > 0 ? (perTick * 60_000) / tickMs : 0;
}

/** "600 devices/min", "1.5 devices/min", "0.25 devices/min". */
export function formatPerMinute(devicesPerMinute: number): string {
  const digits = devicesPerMinute >= 10 ? 0 : devicesPerMinute >= 1 ? 1 : 2;
  const n = Number(devicesPerMinute.toFixed(digits)).toLocaleString();
  return `${n} device${n === "1" ? "" : "s"}/min`;
}

/** The exact planned pace, for a title or details: "10 devices every 1 s tick". */
export const exactRate = (perTick: number, tickMs: number) =>
  `${perTick.toLocaleString()} device${perTick === 1 ? "" : "s"} every ${tickMs / 1000} s tick`;
