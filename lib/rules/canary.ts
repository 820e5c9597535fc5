/**
 * The canary wave's size: ceil(eligible × percent / 100) devices, at least one, none of
 * an empty campaign. Creation (in SQL) and its preview (here) must agree; the SQL takes
 * its numbers from `canarySize` being exercised in tests/integration/rules-sql.test.ts.
 */
export const CANARY_PERCENT = { min: 1, max: 50, default: 5 } as const;

export function canarySize(eligible: number, percent: number): number {
  return eligible > 0 ? Math.max(1, Math.ceil((eligible * percent) / 100)) : 0;
}
