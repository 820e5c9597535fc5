/**
 * The fuzz's seeded randomness: every input is drawn from mulberry32 (chaos/rng.ts), each
 * route and each kind of input from a sequence of its own, so that a failure reproduces:
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz-*.test.ts
 */
import { seededRng } from "../../chaos/rng";

export const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed_f107) >>> 0;
/** Random requests per route handler (on top of the fixed cases). */
export const PER_ROUTE = Number(process.env.FUZZ_PER_ROUTE ?? 36);

export function fnv1a(s: string) {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.codePointAt(0)!, 0x01000193) >>> 0;
  return h;
}

export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRng(seed);
  }
  int(min: number, max: number) {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number) {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
  /** A random string: ASCII, punctuation, and now and then unicode, NUL, a lone surrogate. */
  string(maxLen: number, latin1 = false) {
    const len = this.int(0, maxLen);
    let s = "";
    for (let i = 0; i < len; i++) {
      const r = this.next();
      if (r < 0.6) s += String.fromCharCode(this.int(0x21, 0x7e));
      else if (r < 0.7) s += " ";
      else if (latin1) s += String.fromCharCode(this.int(0xa0, 0xff));
      else s += this.pick(["é", "ß", "💥", "\u202e", "\u0000", "\ud800", "\uffff", "日本", "\u200b", "Ω", "\n", "\t"]);
    }
    return s;
  }
  bytes(maxLen: number) {
    const out = new Uint8Array(this.int(0, maxLen));
    for (let i = 0; i < out.length; i++) out[i] = this.int(0, 255);
    return out;
  }
}
