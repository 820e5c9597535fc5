/**
 * The canary wave's size: ceil(eligible × percent / 100) devices, at least one, none of
 * an empty campaign. The preview and the wizard use this function; creation computes the
 * same in SQL, and tests/integration/rules-sql.test.ts fails if the two disagree.
 */
export const CANARY_PERCENT = { min: 1, max: 50, default: 5 } as const;

export function canarySize(eligible: number, percent: number): number {
  return eligible > 0 ? Math.max(1, Math.ceil((eligible * percent) / 100)) : 0;
}
