/**
 * Multipart bodies for the fuzz's uploads (POST /customer/firmware): fixed broken ones,
 * each with the statuses it must get, and random ones. Every metadata that could pass
 * names an existing version, so that a missed check still cannot store a firmware.
 */
import type { Rng } from "./fuzz-rng";
import type { Body } from "./fuzz-send";

const CRLF = "\r\n";
const part = (boundary: string, name: string, value: string, filename?: string, type?: string) =>
  `--${boundary}${CRLF}Content-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ""}${CRLF}` +
  `${type ? `Content-Type: ${type}${CRLF}` : ""}${CRLF}${value}${CRLF}`;
const end = (boundary: string) => `--${boundary}--${CRLF}`;
export const dupMeta = JSON.stringify({ version: "1.0.0", device_type: "sensor" }); // exists: 409
export const FILE = "firmware-bytes-".repeat(200);

/** Fixed broken uploads to POST /customer/firmware, each with the statuses it must get. */
export function multipartCases(): { label: string; contentType: string; body: Body; expect: number[] }[] {
  const B = "fuzzBoundary123";
  const ct = `multipart/form-data; boundary=${B}`;
  const file = (f = FILE, filename = "fw.bin") => part(B, "file", f, filename, "application/octet-stream");
  const meta = (m = dupMeta) => part(B, "metadata", m);
  // Every metadata that could pass names the existing version: a missed check still cannot insert.
  const dup = JSON.parse(dupMeta) as Record<string, string>;
  return [
    {
      label: "multipart without boundary",
      contentType: "multipart/form-data",
      body: meta() + file() + end(B),
      expect: [400],
    },
    {
      label: "empty boundary",
      contentType: "multipart/form-data; boundary=",
      body: meta() + file() + end(B),
      expect: [400],
    },
    {
      label: "boundary not in body",
      contentType: "multipart/form-data; boundary=other",
      body: meta() + file() + end(B),
      expect: [400, 422],
    },
    { label: "empty body", contentType: ct, body: "", expect: [400] },
    { label: "only the closing boundary", contentType: ct, body: end(B), expect: [422] },
    { label: "garbage body", contentType: ct, body: "this is not multipart at all", expect: [400, 422] },
    {
      label: "random bytes",
      contentType: ct,
      body: new Uint8Array(Buffer.from("\x00\xff\xfe--fuzz".repeat(300), "latin1")),
      expect: [400, 422],
    },
    { label: "no file part", contentType: ct, body: meta() + end(B), expect: [422] },
    { label: "no metadata part", contentType: ct, body: file() + end(B), expect: [422] },
    {
      label: "file part under another name",
      contentType: ct,
      body: meta() + part(B, "firmware", FILE, "fw.bin") + end(B),
      expect: [422],
    },
    { label: "metadata not JSON", contentType: ct, body: meta("{not json") + file() + end(B), expect: [422] },
    { label: "metadata JSON null", contentType: ct, body: meta("null") + file() + end(B), expect: [422] },
    { label: "metadata array", contentType: ct, body: meta("[]") + file() + end(B), expect: [422] },
    {
      label: "metadata with file_url (strict)",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, file_url: "https://x.test/a" })) + file() + end(B),
      expect: [422],
    },
    {
      label: "metadata __proto__",
      contentType: ct,
      body: meta('{"version":"1.0.0","device_type":"sensor","__proto__":{"x":1}}') + file() + end(B),
      expect: [409, 422],
    },
    {
      label: "metadata version empty",
      contentType: ct,
      body: meta(JSON.stringify({ version: "  " })) + file() + end(B),
      expect: [422],
    },
    {
      label: "checksum mismatch",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, checksum_sha256: "0".repeat(64) })) + file() + end(B),
      expect: [422],
    },
    {
      label: "size mismatch",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, file_size_bytes: 1 })) + file() + end(B),
      expect: [422],
    },
    {
      label: "metadata over the 64 KiB field limit",
      contentType: ct,
      body: meta(JSON.stringify({ ...dup, description: "x".repeat(70_000) })) + file() + end(B),
      expect: [422],
    },
    {
      label: "duplicate version (well-formed otherwise)",
      contentType: ct,
      body: meta() + file() + end(B),
      expect: [409],
    },
    { label: "duplicate version, metadata after file", contentType: ct, body: file() + meta() + end(B), expect: [409] },
    { label: "duplicate version, empty file", contentType: ct, body: meta() + file("") + end(B), expect: [409] },
    {
      label: "duplicate version, two file parts",
      contentType: ct,
      body: meta() + file() + file("second") + end(B),
      expect: [409],
    },
    {
      label: "duplicate version, two metadata parts",
      contentType: ct,
      body: meta("{bad") + meta() + file() + end(B),
      expect: [409],
    },
    {
      label: "duplicate version, ten extra fields",
      contentType: ct,
      body: meta() + Array.from({ length: 10 }, (_, i) => part(B, `f${i}`, "v")).join("") + file() + end(B),
      expect: [409, 422],
    },
    {
      label: "duplicate version, odd filename",
      contentType: ct,
      body: meta() + file(FILE, "../../etc/passwd\u0000.bin") + end(B),
      expect: [400, 409],
    },
    {
      label: "duplicate version, LF line endings",
      contentType: ct,
      body: (meta() + file() + end(B)).replaceAll(CRLF, "\n"),
      expect: [400, 422],
    },
    {
      label: "duplicate version, upper-case content type",
      contentType: `MULTIPART/FORM-DATA; BOUNDARY=${B}`,
      body: meta() + file() + end(B),
      expect: [409],
    },
    {
      label: "duplicate version, NUL in description",
      contentType: ct,
      body:
        meta(JSON.stringify({ version: "1.0.0", device_type: "sensor", description: "a\u0000b" })) + file() + end(B),
      expect: [422],
    },
    {
      label: "truncated in the file (no closing boundary)",
      contentType: ct,
      body: meta() + file().slice(0, -200),
      expect: [400],
    },
    {
      label: "truncated in the headers",
      contentType: ct,
      body: meta() + `--${B}${CRLF}Content-Disposition: form-da`,
      expect: [400],
    },
    {
      label: "part without Content-Disposition",
      contentType: ct,
      body: meta() + `--${B}${CRLF}${CRLF}orphan${CRLF}` + end(B),
      expect: [400, 422],
    },
    {
      label: "truncated inside an ignored file part",
      contentType: ct,
      body: meta() + part(B, "other", FILE, "x.bin").slice(0, -200),
      expect: [400],
    },
    {
      label: "NUL in a part header, then a truncated file part",
      contentType: ct,
      body:
        meta() +
        `--${B}${CRLF}Content-Disposition: form-data; name="x\u0000"${CRLF}${CRLF}v${CRLF}` +
        file().slice(0, -200),
      expect: [400],
    },
    {
      label: "truncated inside a second file part",
      contentType: ct,
      body: meta() + file() + file(FILE, "again.bin").slice(0, -200),
      expect: [400],
    },
    {
      label: "file stream that errors midway",
      contentType: ct,
      body: { stream: [Buffer.from(meta() + file().slice(0, 500))], failAfter: true },
      expect: [400],
    },
    {
      label: "2 MiB chunked file, duplicate version",
      contentType: ct,
      body: {
        stream: [
          Buffer.from(meta() + `--${B}${CRLF}Content-Disposition: form-data; name="file"; filename="f"${CRLF}${CRLF}`),
          ...Array.from({ length: 32 }, () => new Uint8Array(65_536).fill(7)),
          Buffer.from(`${CRLF}${end(B)}`),
        ],
      },
      expect: [409],
    },
  ];
}

export function randomMultipart(rng: Rng): { contentType: string; body: Body; label: string } {
  const B = rng.pick(["b", "fuzz", "-".repeat(70), "x".repeat(80), "é", "a b", '"quoted"']);
  const sent = rng.chance(0.8) ? B : rng.pick(["other", "", B.toUpperCase()]);
  const ct = rng.pick([
    `multipart/form-data; boundary=${B}`,
    `multipart/form-data;boundary="${B}"`,
    "multipart/form-data",
    `multipart/form-data; boundary=${B}; charset=utf-16`,
  ]);
  const parts: string[] = [];
  const metas = [
    dupMeta,
    "{",
    "null",
    "[]",
    JSON.stringify({ version: 5 }),
    JSON.stringify({ version: "9.9.9", checksum_sha256: "z" }),
    JSON.stringify({ version: "1.0.0", device_type: "sensor", extra: 1 }),
    rng.string(50),
  ];
  for (let i = rng.int(0, 4); i > 0; i--) {
    const kind = rng.pick(["metadata", "file", "other", "junk"]);
    if (kind === "metadata") parts.push(part(sent, "metadata", rng.pick(metas)));
    else if (kind === "file")
      parts.push(
        part(
          sent,
          "file",
          rng.string(300),
          rng.pick(["fw.bin", "", "../x", "é.bin"]),
          rng.pick([undefined, "application/octet-stream", "text/plain"]),
        ),
      );
    else if (kind === "other") parts.push(part(sent, rng.string(8), rng.string(40)));
    else parts.push(rng.string(60));
  }
  let text = parts.join("") + (rng.chance(0.7) ? end(sent) : "");
  if (rng.chance(0.2)) text = text.slice(0, rng.int(0, text.length));
  return {
    contentType: ct,
    body: text,
    label: `random multipart, boundary ${JSON.stringify(B)}, sent ${JSON.stringify(sent)}`,
  };
}
