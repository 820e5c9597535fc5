import { hex4, isInvisible } from "./invisible";

/**
 * Text from a device made safe for a log line: one line, valid UTF-8, nothing a
 * terminal or a log viewer obeys. Bytes that are not UTF-8 become `\xNN` (not U+FFFD,
 * which would hide what was sent); `\n`, `\r`, `\t` and NUL become `\n`, `\r`, `\t` and
 * `\0`; every other invisible character (lib/text/invisible.ts: controls, bidi and
 * zero-width characters, U+2028/U+2029…) becomes `\u{XXXX}`; a backslash becomes `\\`,
 * so that an escape in the output always means an escape. Letters of any script and
 * emoji are kept. At most `maxChars` characters of output, then `…(+N bytes)` telling
 * how many bytes of the input were left out. Only what is shown is decoded, so a huge
 * payload costs no more than a small one.
 */
export function escapeForLog(input: string | Uint8Array, maxChars = 120): string {
  const out = new Output(maxChars);
  if (typeof input === "string") {
    let i = 0;
    while (i < input.length) {
      const cp = input.codePointAt(i)!;
      if (!out.add(escapeCodePoint(cp))) return out.text + `…(+${utf8Length(input, i)} bytes)`;
      i += cp > 0xffff ? 2 : 1;
    }
    return out.text;
  }
  let i = 0;
  while (i < input.length) {
    const [cp, size] = decodeUtf8(input, i);
    const piece = cp === -1 ? `\\x${input[i]!.toString(16).toUpperCase().padStart(2, "0")}` : escapeCodePoint(cp);
    if (!out.add(piece)) return out.text + `…(+${input.length - i} bytes)`;
    i += size;
  }
  return out.text;
}

class Output {
  text = "";
  private chars = 0;
  constructor(private readonly max: number) {}

  /** Appends one escaped character, or says that it does not fit. */
  add(piece: string): boolean {
    // An escape counts its length; a kept character (even an emoji's surrogate pair) counts one.
    const n = piece.length > 1 && piece[0] === "\\" ? piece.length : 1;
    if (this.chars + n > this.max) return false;
    this.text += piece;
    this.chars += n;
    return true;
  }
}

function escapeCodePoint(cp: number): string {
  switch (cp) {
    case 0x5c:
      return "\\\\";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x00:
      return "\\0";
  }
  return isInvisible(cp) ? `\\u{${hex4(cp)}}` : String.fromCodePoint(cp);
}

/**
 * The code point at `i` and its length in bytes, or -1 and 1 where the bytes are not
 * well-formed UTF-8 (overlong forms, surrogates, above U+10FFFF, cut short): the
 * caller shows that one byte as `\xNN` and carries on with the next.
 */
function decodeUtf8(b: Uint8Array, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    if (b0 === 0xe0) lo = 0xa0; // no overlong forms
    if (b0 === 0xed) hi = 0x9f; // no surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    if (b0 === 0xf0) lo = 0x90; // no overlong forms
    if (b0 === 0xf4) hi = 0x8f; // nothing above U+10FFFF
  } else return [-1, 1];
  if (i + need >= b.length) return [-1, 1];
  let cp = b0 & (0x3f >> need);
  for (let k = 1; k <= need; k++) {
    const c = b[i + k]!;
    if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return [-1, 1];
    cp = (cp << 6) | (c & 0x3f);
  }
  return [cp, need + 1];
}

/** UTF-8 length of `s` from index `from`, without allocating (lone surrogates count as U+FFFD would: 3). */
function utf8Length(s: string, from: number): number {
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
