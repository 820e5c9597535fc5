import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { clientAddress } from "@/lib/auth/request";
import { LOGIN_THROTTLE, lockSecondsAfter, throttleKeys } from "@/lib/auth/throttle";
import { signToken, verifyToken } from "@/lib/auth/token";

const secret = "s".repeat(40);
const principal = { userId: 7, tenantId: "acme", role: "operator" as const, email: "op@acme.example", tokenVersion: 3 };

describe("passwords", () => {
  it("verifies the right password and rejects others", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toMatch(/^scrypt\$/);
    expect(hash).not.toContain("correct horse");
    expect(await verifyPassword("correct horse", hash)).toBe(true);
    expect(await verifyPassword("wrong horse", hash)).toBe(false);
    expect(await verifyPassword("correct horse", "not-a-hash")).toBe(false);
  });

  it("salts every hash", async () => {
    expect(await hashPassword("same")).not.toBe(await hashPassword("same"));
  });
});

describe("tokens", () => {
  it("round-trips the principal", async () => {
    expect(await verifyToken(await signToken(principal, secret), secret)).toEqual(principal);
  });

  it("rejects missing, forged, expired and foreign tokens", async () => {
    const token = await signToken(principal, secret);
    expect(await verifyToken(undefined, secret)).toBeNull();
    expect(await verifyToken(token, "t".repeat(40))).toBeNull();
    expect(await verifyToken(`${token.slice(0, -2)}xx`, secret)).toBeNull();
    expect(await verifyToken(await signToken(principal, secret, -10), secret)).toBeNull();
    const noRole = await new SignJWT({ tid: "acme" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("1")
      .setIssuer("flotilla")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
    expect(await verifyToken(noRole, secret)).toBeNull();
  });

  it("reads a token without `ver` (signed before token versions) as version 0", async () => {
    const old = await new SignJWT({ tid: "acme", role: "operator", email: "op@acme.example" })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("7")
      .setIssuer("flotilla")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
    expect(await verifyToken(old, secret)).toEqual({ ...principal, tokenVersion: 0 });
  });

  it("refuses a user id that no users row can have", async () => {
    for (const userId of [0, -1, 2 ** 31])
      expect(await verifyToken(await signToken({ ...principal, userId }, secret), secret)).toBeNull();
  });
});

describe("the login throttle's arithmetic", () => {
  it("gives each key its free failures, then locks 1 s doubling up to 15 minutes", () => {
    const free = LOGIN_THROTTLE.accountFreeFailures;
    expect(free).toBe(5);
    expect([1, 2, 3, 4, 5].map((n) => lockSecondsAfter(n, free))).toEqual([0, 0, 0, 0, 0]);
    expect([6, 7, 8, 9, 15].map((n) => lockSecondsAfter(n, free))).toEqual([1, 2, 4, 8, 512]);
    expect(lockSecondsAfter(16, free)).toBe(900);
    expect(lockSecondsAfter(10_000, free)).toBe(900);
    // An address (one NAT, many people) is far more generous than an account.
    expect(LOGIN_THROTTLE.addressFreeFailures).toBeGreaterThanOrEqual(10 * free);
    expect(lockSecondsAfter(50, LOGIN_THROTTLE.addressFreeFailures)).toBe(0);
  });

  it("keys an attempt by lower-cased email and by address", () => {
    expect(throttleKeys(" Admin@Acme.Example ", "10.0.0.1")).toEqual({
      account: "email:admin@acme.example",
      address: "ip:10.0.0.1",
    });
  });

  it("takes the address from X-Forwarded-For's first entry, else X-Real-IP, else 'unknown'", () => {
    const req = (headers: Record<string, string>) => new Request("http://x/auth/token", { headers });
    expect(clientAddress(req({ "x-forwarded-for": "203.0.113.9, 10.0.0.1" }))).toBe("203.0.113.9");
    expect(clientAddress(req({ "x-forwarded-for": "::ffff:127.0.0.1" }))).toBe("127.0.0.1");
    expect(clientAddress(req({ "x-forwarded-for": "2001:DB8::1" }))).toBe("2001:db8::1");
    expect(clientAddress(req({ "x-real-ip": "198.51.100.7" }))).toBe("198.51.100.7");
    expect(clientAddress(req({ "x-forwarded-for": "x".repeat(500) }))).toHaveLength(64);
    expect(clientAddress(req({}))).toBe("unknown");
  });
});
