import { describe, expect, it } from "vitest";
import { DropLog, describeDropped } from "@/lib/rollout/drop-log";
import { escapeForLog } from "@/lib/text/escape";
import { visibleText } from "@/lib/text/visible";

/** Text from devices: escaped in logs, made visible in the UI, by one rule (lib/text/invisible.ts). */

/** Nothing a terminal or a log reader would obey: printable, one line, no bidi or zero-width tricks. */
const SAFE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]*$/u;

describe("escapeForLog", () => {
  it("leaves ordinary text alone, in any script", () => {
    for (const s of ["FAILED: checksum mismatch", "Überhitzung", "温度过高", "🔥 too hot", "a b\u00A0c"]) {
      expect(escapeForLog(s)).toBe(s);
      expect(escapeForLog(Buffer.from(s))).toBe(s);
    }
  });

  it("writes NUL and the common controls as \\0, \\n, \\r, \\t, and other controls as \\u{XXXX}", () => {
    expect(escapeForLog("a\0b")).toBe("a\\0b");
    expect(escapeForLog(Buffer.from([0x61, 0x00, 0x62]))).toBe("a\\0b");
    expect(escapeForLog("\t\r\n")).toBe("\\t\\r\\n");
    expect(escapeForLog("\x1b[31mred\x7f")).toBe("\\u{001B}[31mred\\u{007F}");
    expect(escapeForLog("next\u0085line")).toBe("next\\u{0085}line"); // C1 NEL
  });

  it("cannot forge a log line", () => {
    const forged = escapeForLog('x"}\ningest: applied 1000 reports\r\u2028\u2029');
    expect(forged).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(forged).toBe('x"}\\ningest: applied 1000 reports\\r\\u{2028}\\u{2029}');
  });

  it("shows bytes that are not UTF-8 as \\xNN, not U+FFFD", () => {
    expect(escapeForLog(Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x21]))).toBe("ok\\xFF\\xFE!");
    // A sequence cut short, an overlong '/', an encoded surrogate, a stray continuation byte.
    expect(escapeForLog(Buffer.from([0xe6, 0xb8]))).toBe("\\xE6\\xB8");
    expect(escapeForLog(Buffer.from([0xc0, 0xaf]))).toBe("\\xC0\\xAF");
    expect(escapeForLog(Buffer.from([0xed, 0xa0, 0x80]))).toBe("\\xED\\xA0\\x80");
    expect(escapeForLog(Buffer.from([0x80, 0x41]))).toBe("\\x80A");
    expect(escapeForLog(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe("\\xF4\\x90\\x80\\x80"); // above U+10FFFF
    // Valid multi-byte sequences around the invalid ones are still decoded.
    expect(escapeForLog(Buffer.concat([Buffer.from("温"), Buffer.from([0xff]), Buffer.from("🔥")]))).toBe("温\\xFF🔥");
    // A lone surrogate in a string.
    expect(escapeForLog("a\ud800b")).toBe("a\\u{D800}b");
  });

  it("escapes bidi controls and invisible format characters", () => {
    expect(escapeForLog("abc\u202Etxt.exe")).toBe("abc\\u{202E}txt.exe");
    expect(escapeForLog("\u202A\u202B\u202C\u202D\u2066\u2067\u2068\u2069\u200E\u200F\u061C")).toBe(
      "\\u{202A}\\u{202B}\\u{202C}\\u{202D}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200E}\\u{200F}\\u{061C}",
    );
    expect(escapeForLog("ad\u200Bmin\u200C\u200D\uFEFF")).toBe("ad\\u{200B}min\\u{200C}\\u{200D}\\u{FEFF}");
    expect(escapeForLog(Buffer.from("x\u202Ey"))).toBe("x\\u{202E}y");
  });

  it("doubles a backslash, so that an escape in the output is always an escape", () => {
    expect(escapeForLog("C:\\fw\\n")).toBe("C:\\\\fw\\\\n");
    expect(escapeForLog("\\xFF")).not.toBe(escapeForLog(Buffer.from([0xff])));
  });

  it("cuts the output to maxChars and says how many bytes were left out", () => {
    expect(escapeForLog("a".repeat(200))).toBe(`${"a".repeat(120)}…(+80 bytes)`);
    expect(escapeForLog(Buffer.alloc(200, 0x61))).toBe(`${"a".repeat(120)}…(+80 bytes)`);
    expect(escapeForLog("abcdef", 6)).toBe("abcdef");
    expect(escapeForLog("abcdefg", 6)).toBe("abcdef…(+1 bytes)");
    // Escapes count their length and are never cut in half; the rest is counted in UTF-8 bytes.
    expect(escapeForLog("ab\ncd", 3)).toBe("ab…(+3 bytes)");
    expect(escapeForLog("ab温度", 3)).toBe("ab温…(+3 bytes)");
    expect(escapeForLog("🔥🔥🔥", 2)).toBe("🔥🔥…(+4 bytes)");
    expect(escapeForLog(Buffer.from([0x61, 0xff, 0xff]), 5)).toBe("a\\xFF…(+1 bytes)");
    // A huge payload costs only what is shown.
    const big = Buffer.alloc(50_000_000, 0x00);
    const started = performance.now();
    expect(escapeForLog(big)).toBe(`${"\\0".repeat(60)}…(+${50_000_000 - 60} bytes)`);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("always returns safe text, whatever the bytes", () => {
    let seed = 42;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 500; n++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      const out = escapeForLog(bytes);
      expect(out).toMatch(SAFE);
      expect(Buffer.from(out, "utf8").toString("utf8")).toBe(out); // valid UTF-8 round trip
    }
  });
});

describe("DropLog and describeDropped", () => {
  it("log a dropped message on one escaped line", () => {
    const topic = "tenant/t/device/d/ota/status";
    const payload = Buffer.from([...Buffer.from('{"error":"x\nINFO forged'), 0x00, 0xff, ...Buffer.from("\u202E}")]);
    expect(describeDropped(topic, payload)).toBe(`${topic} {"error":"x\\nINFO forged\\0\\xFF\\u{202E}}`);
    const lines: string[] = [];
    const drops = new DropLog();
    drops.noteMessage("bad payload", topic, payload, (l) => lines.push(l));
    drops.note("bad topic", "evil\n/topic\u202E", (l) => lines.push(l));
    expect(lines).toEqual([
      `ingest: dropped (bad payload): ${topic} {"error":"x\\nINFO forged\\0\\xFF\\u{202E}}`,
      "ingest: dropped (bad topic): evil\\n/topic\\u{202E}",
    ]);
  });

  it("log five drops of a kind per minute, then how many more there were", () => {
    const lines: string[] = [];
    const drops = new DropLog();
    for (let i = 0; i < 8; i++) drops.note("bad payload", `p${i}`, (l) => lines.push(l));
    expect(lines).toHaveLength(5);
  });
});

describe("visibleText", () => {
  it("leaves ordinary text alone, in any script", () => {
    for (const s of ["Überhitzung", "温度", "🔥", "Ошибка: 42 °C", "خطأ", "1.2.3-rc.1+build.7", "C:\\fw\\n"])
      expect(visibleText(s)).toBe(s);
  });

  it("shows control, bidi and invisible characters as ⟨U+XXXX⟩ placeholders", () => {
    expect(visibleText("abc\u202Etxt.exe")).toBe("abc⟨U+202E⟩txt.exe");
    expect(visibleText("line one\nline two")).toBe("line one⟨U+000A⟩line two");
    expect(visibleText("a\0b\tc\r\x1b\x7f\u0085")).toBe("a⟨U+0000⟩b⟨U+0009⟩c⟨U+000D⟩⟨U+001B⟩⟨U+007F⟩⟨U+0085⟩");
    expect(visibleText("1.0\u200B.0\u200C\u200D\uFEFF")).toBe("1.0⟨U+200B⟩.0⟨U+200C⟩⟨U+200D⟩⟨U+FEFF⟩");
    expect(visibleText("\u2066\u2069\u200E\u200F\u061C\u2028\u2029")).toBe(
      "⟨U+2066⟩⟨U+2069⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩⟨U+2028⟩⟨U+2029⟩",
    );
    expect(visibleText("x\ud800")).toBe("x⟨U+D800⟩");
    expect(visibleText("flag\u{E0067}")).toBe("flag⟨U+E0067⟩"); // a tag character: five hex digits
  });

  it("leaves nothing that could reorder or hide text", () => {
    expect(visibleText("\u202E\u2067\u200B\n\u0000 Überhitzung 🔥")).toMatch(SAFE);
  });
});
