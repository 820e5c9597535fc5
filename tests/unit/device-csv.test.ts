import { describe, expect, it } from "vitest";
import { csvDataRows, csvRecords, parseDeviceCsv, toCsv } from "@/components/devices/device-csv";
import { pastedKey } from "@/components/trust/add-release-key-dialog";

/** The device import's CSV, read in the browser before anything is sent (components/devices/device-csv.ts). */

describe("csvRecords", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, a BOM, and skips blank lines", () => {
    const text = '\uFEFFa,b\r\n"x,1","say ""hi"""\r\n\r\n"two\nlines",z\nlast,';
    expect(csvRecords(text)).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["x,1", 'say "hi"'] },
      { line: 4, fields: ["two\nlines", "z"] },
      { line: 6, fields: ["last", ""] },
    ]);
  });

  it("writes what it reads", () => {
    const rows = [
      ["device_id", "password"],
      ["a,b", 'q"uote'],
      ["plain", "line\nbreak"],
    ];
    expect(csvRecords(toCsv(rows)).map((r) => r.fields)).toEqual(rows);
    expect(csvDataRows(toCsv(rows))).toHaveLength(2);
  });
});

describe("parseDeviceCsv", () => {
  it("takes the columns in any order, the optional ones may be absent or empty", () => {
    expect(parseDeviceCsv("fw_version,DEVICE_ID\n1.0.0,s-1\n,s-2\n")).toEqual({
      devices: [{ device_id: "s-1", fw_version: "1.0.0" }, { device_id: "s-2" }],
      problems: [],
    });
    expect(parseDeviceCsv("device_id\ns-1").devices).toEqual([{ device_id: "s-1" }]);
  });

  it("refuses a file without a header naming device_id, or with an unknown column", () => {
    expect(parseDeviceCsv("s-1,sensor\ns-2,sensor").problems[0]!.message).toMatch(/first line must name the columns/);
    expect(parseDeviceCsv("device_id,colour\ns-1,red").problems[0]!.message).toMatch(/unknown column “colour”/);
    expect(parseDeviceCsv("").problems).toEqual([{ line: 1, message: "The file is empty" }]);
    expect(parseDeviceCsv("device_id\n").problems[0]!.message).toBe("No devices below the header");
  });

  it("names each bad id, repeat and short row by its line, and keeps the good rows", () => {
    const r = parseDeviceCsv(
      ["device_id,device_type", "ok-1,a", "bad/id,a", "ok-1,b", ",a", "ok-2", "ok-3,a"].join("\n"),
    );
    expect(r.devices.map((d) => d.device_id)).toEqual(["ok-1", "ok-3"]);
    expect(r.problems).toEqual([
      { line: 3, message: expect.stringMatching(/^device_id “bad\/id” must be 1-64 characters/) },
      { line: 4, message: "device_id “ok-1” is also on line 2" },
      { line: 5, message: "device_id is empty" },
      { line: 6, message: "1 fields where the header has 2" },
    ]);
  });

  it("refuses more devices than one import takes", () => {
    const ids = Array.from({ length: 100_001 }, (_, i) => `d-${i}`);
    const r = parseDeviceCsv(["device_id", ...ids].join("\n"));
    expect(r.problems.at(-1)!.message).toMatch(/at most 100000 per import/);
  });
});

describe("pastedKey", () => {
  it("sends a JWK as an object, a PEM as its text, and says when JSON is broken", () => {
    expect(pastedKey(' {"kty":"OKP","crv":"Ed25519","x":"abc"} ')).toEqual({
      key: { kty: "OKP", crv: "Ed25519", x: "abc" },
    });
    expect(pastedKey("-----BEGIN PUBLIC KEY-----\nMCo=\n-----END PUBLIC KEY-----\n")).toEqual({
      key: "-----BEGIN PUBLIC KEY-----\nMCo=\n-----END PUBLIC KEY-----",
    });
    expect(pastedKey('{"kty":"OKP",')).toHaveProperty("error");
  });
});
