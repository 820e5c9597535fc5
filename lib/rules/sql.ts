/**
 * A list of rule constants (statuses) as SQL literals, `'A', 'B'`, for an `IN (…)` written
 * into a statement's text. Literals rather than a bound array: the planner matches a query
 * to a partial index (`idx_ota_device_status_in_flight`, `…_claimable`) only when it sees
 * the values at planning time, and CHECK constraints must be literal. Only plain names
 * pass, so nothing here can carry SQL.
 */
export function sqlLiterals(values: readonly string[]): string {
  if (values.length === 0) throw new Error("sqlLiterals: an empty list has no SQL IN form");
  for (const v of values) if (!/^[A-Za-z_]+$/.test(v)) throw new Error(`sqlLiterals: not a plain name: ${v}`);
  return values.map((v) => `'${v}'`).join(", ");
}
