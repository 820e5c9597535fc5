/**
 * One HTTP byte range (RFC 9110 §14.1.2) against a file of `size` bytes:
 * null for no or an unsupported Range header (serve the whole file), the inclusive
 * [start, end] for a satisfiable one, "unsatisfiable" for one that starts past the end.
 * Multiple ranges are not supported and are answered with the whole file, as the RFC allows.
 */
export function parseRange(header: string | null, size: number): [number, number] | null | "unsatisfiable" {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    // Suffix range: the last N bytes.
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return [Math.max(0, size - n), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return null;
  return [start, end];
}
