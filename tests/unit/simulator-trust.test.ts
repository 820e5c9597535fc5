import { describe, expect, it } from "vitest";
import { parseCredentialsCsv, parseJwkFile, ProvisioningFileError } from "@/lib/simulator/provision";
import { compareVersions } from "@/lib/simulator/trust";

describe("the simulator's version order (for the downgrade check)", () => {
  it.each([
    ["1.10.0", "1.9.0", 1],
    ["1.2.0", "1.2.0", 0],
    ["1.2", "1.2.0", 0],
    ["2.0.0", "10.0.0", -1],
    ["1.2.0-rc1", "1.2.0", 1],
    ["1.2.a", "1.2.b", -1],
    ["99999999999999999999.1", "99999999999999999999.0", 1],
  ])("%s vs %s → %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
    expect(Math.sign(compareVersions(b, a))).toBe(-sign || 0);
  });
});

describe("the factory-line credentials CSV", () => {
  it("reads what a bulk registration answers with, CRLF and all, keyed by username", () => {
    const csv = "device_id,client_id,username,password\r\nd-1,acme:d-1,acme:d-1,pw1\r\nd-2,acme:d-2,acme:d-2,pw2\r\n";
    const m = parseCredentialsCsv(csv);
    expect([...m.entries()]).toEqual([
      ["acme:d-1", { tenantId: "acme", deviceId: "d-1", password: "pw1" }],
      ["acme:d-2", { tenantId: "acme", deviceId: "d-2", password: "pw2" }],
    ]);
  });

  it("takes the columns in any order, quoted fields, and no final line break", () => {
    const m = parseCredentialsCsv('password,username,client_id,device_id\n"p,""1",globex:x,globex:x,x');
    expect(m.get("globex:x")).toEqual({ tenantId: "globex", deviceId: "x", password: 'p,"1' });
  });

  it.each([
    ["device_id,username,password\nd,a:d,p\n", /missing: client_id/],
    ["device_id,client_id,username,password\nd,a:e,a:e,p\n", /line 2: username must be "\{tenant\}:d"/],
    ["device_id,client_id,username,password\nd,x,a:d,p\n", /line 2: client_id must equal username/],
    ["device_id,client_id,username,password\nd,a:d,a:d,\n", /line 2: no password/],
  ])("refuses %j, saying where", (csv, message) => {
    expect(() => parseCredentialsCsv(csv)).toThrow(ProvisioningFileError);
    expect(() => parseCredentialsCsv(csv)).toThrow(message);
  });
});

describe("JWKS files", () => {
  const jwk = { kty: "OKP", crv: "Ed25519", kid: "k1", x: "A".repeat(43) };
  it("reads a JWKS, a list, or one key", () => {
    expect(parseJwkFile(JSON.stringify({ keys: [jwk] }))).toEqual([jwk]);
    expect(parseJwkFile(JSON.stringify([jwk]))).toEqual([jwk]);
    expect(parseJwkFile(JSON.stringify(jwk))).toEqual([jwk]);
  });
  it("refuses what is not one", () => {
    expect(() => parseJwkFile("{")).toThrow("not JSON");
    expect(() => parseJwkFile(JSON.stringify({ keys: [] }))).toThrow(/not a JWKS/);
    expect(() => parseJwkFile(JSON.stringify({ keys: [{ ...jwk, crv: "P-256" }] }))).toThrow(/not a JWKS/);
  });
});
