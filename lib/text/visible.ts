import { hex4, INVISIBLE_ALL } from "./invisible";

/**
 * Text from a device as the UI shows it: every control, bidi and invisible format
 * character (lib/text/invisible.ts) becomes a visible placeholder such as `⟨U+202E⟩`,
 * so that the text is seen rather than obeyed (a U+202E cannot reverse the rest of a
 * table row, a newline cannot break one). Everything else is unchanged. The stored
 * value and the API's answer keep the text as the device sent it.
 */
export function visibleText(s: string): string {
  return s.replace(INVISIBLE_ALL, (ch) => `⟨U+${hex4(ch.codePointAt(0)!)}⟩`);
}
