/**
 * A seeded random source (mulberry32), so that a run's fault instants, pauses and
 * failing devices can be told again with `--seed`. Timing in a real system still
 * varies from run to run; the seed fixes what the suite chooses, not what the engine does.
 */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw in [min, max). */
export const between = (rng: Rng, min: number, max: number) => min + (max - min) * rng();

/** A seed derived from a run seed and a label, so that each scenario draws its own sequence. */
export function deriveSeed(seed: number, label: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
