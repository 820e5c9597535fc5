/**
 * The one rule for which characters in text from devices are shown as an escape rather
 * than obeyed: control characters (C0, DEL, C1), format characters (bidi embeddings,
 * overrides and isolates, U+200E/U+200F/U+061C marks, zero-width U+200B–U+200D, U+FEFF,
 * soft hyphen, tag characters…), lone surrogates, the line and paragraph separators
 * U+2028/U+2029, and the few letters and marks that draw nothing (Hangul fillers, the
 * combining grapheme joiner). Letters of any script, emoji and ordinary spaces pass:
 * `Überhitzung`, `温度` and `🔥` are shown as they are.
 *
 * Used by `escapeForLog` (logs) and `visibleText` (the UI), so the two cannot disagree.
 */
export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u034F\u115F\u1160\u3164\uFFA0]/u;

/** Every invisible code point of a string, for `String.prototype.replace`. */
export const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");

/** Whether one code point is invisible by the rule above. */
export function isInvisible(codePoint: number): boolean {
  // Printable ASCII is nearly all of what devices send: answer it without the regex.
  if (codePoint >= 0x20 && codePoint < 0x7f) return false;
  return INVISIBLE.test(String.fromCodePoint(codePoint));
}

/** `U+202E`-style hex for a code point: uppercase, at least four digits. */
export const hex4 = (codePoint: number) => codePoint.toString(16).toUpperCase().padStart(4, "0");
