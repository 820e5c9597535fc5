import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { signToken, verifyToken } from "@/lib/auth/token";

const secret = "s".repeat(40);
const principal = { userId: 7, tenantId: "acme", role: "operator" as const, email: "op@acme.example" };

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
});
