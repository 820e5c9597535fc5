/**
 * A token stops working at once when its user is deleted, demoted or changes password:
 * the rows are changed with SQL (as an admin tool or a psql session would), then the old
 * token is sent to /customer route handlers, to the page session, and must be refused.
 */
import { SignJWT } from "jose";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

// Pages read the session cookie through next/headers, which only exists inside a Next.js
// request: this jar stands in for it.
const jar = new Map<string, string>();
vi.mock("next/headers", () => ({
  cookies: async () => ({ get: (name: string) => (jar.has(name) ? { name, value: jar.get(name)! } : undefined) }),
}));

import { POST as tokenRoute } from "@/app/auth/token/route";
import { GET as listGroups, POST as createGroup } from "@/app/customer/device-groups/route";
import { hashPassword } from "@/lib/auth/password";
import { currentPrincipal, requirePrincipal } from "@/lib/auth/session";
import { SESSION_COOKIE } from "@/lib/auth/token";
import { requireAuthSecret } from "@/lib/config";
import { bearer, call, type Handler } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
afterAll(() => handle.close());
beforeEach(() => {
  jar.clear();
});

async function login(t: TestTenant, role: "admin" | "operator" | "viewer", password = t.password): Promise<string> {
  const res = await call(tokenRoute as Handler, {
    body: { email: t.users[role].email, password },
    headers: { "x-forwarded-for": "192.0.2.10" },
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}
const groupBody = () => ({ group_id: `g-${Math.random().toString(36).slice(2, 10)}`, name: "made with a token" });

/** What the token can do: read through the API, write through the API, and open a page. */
async function reach(token: string) {
  jar.set(SESSION_COOKIE, token);
  return {
    read: (await call(listGroups as Handler, { headers: bearer(token) })).status,
    write: (await call(createGroup as Handler, { headers: bearer(token), body: groupBody() })).status,
    cookie: (await call(listGroups as Handler, { headers: { cookie: `${SESSION_COOKIE}=${token}` } })).status,
    page: (await currentPrincipal()) ? "signed in" : "signed out",
  };
}

describe("a token whose user changed", () => {
  it("works while nothing changed", async () => {
    const t = await createTestTenant(handle, "tok-ok");
    expect(await reach(await login(t, "operator"))).toEqual({ read: 200, write: 201, cookie: 200, page: "signed in" });
  });

  it("is refused at once when its user is deleted (API 401, page signed out)", async () => {
    const t = await createTestTenant(handle, "tok-del");
    const token = await login(t, "operator");
    await handle.sql`DELETE FROM users WHERE id = ${t.users.operator.id}`;
    expect(await reach(token)).toEqual({ read: 401, write: 401, cookie: 401, page: "signed out" });
    const body = (await call(listGroups as Handler, { headers: bearer(token) })).body;
    expect(body).toEqual({ detail: "Not authenticated", code: "unauthorized" });
  });

  it("is refused at once when its user is demoted, and a new login gets the new role", async () => {
    const t = await createTestTenant(handle, "tok-demote");
    const token = await login(t, "admin");
    await handle.sql`UPDATE users SET role = 'viewer' WHERE id = ${t.users.admin.id}`;
    expect(await reach(token)).toEqual({ read: 401, write: 401, cookie: 401, page: "signed out" });
    const fresh = await login(t, "admin");
    // A viewer now: reads, but may not write (403, not 401).
    expect(await reach(fresh)).toEqual({ read: 200, write: 403, cookie: 200, page: "signed in" });
  });

  it("is refused at once when its user is promoted too (the role in a token is what it was signed with)", async () => {
    const t = await createTestTenant(handle, "tok-promote");
    const token = await login(t, "viewer");
    await handle.sql`UPDATE users SET role = 'operator' WHERE id = ${t.users.viewer.id}`;
    expect((await reach(token)).read).toBe(401);
  });

  it("is refused at once when its user's password changes, even to the same password", async () => {
    const t = await createTestTenant(handle, "tok-pw");
    const token = await login(t, "operator");
    const other = await login(t, "viewer");
    await handle.sql`UPDATE users SET password_hash = ${await hashPassword(t.password)} WHERE id = ${t.users.operator.id}`;
    expect(await reach(token)).toEqual({ read: 401, write: 401, cookie: 401, page: "signed out" });
    // Only that user's tokens: a colleague's token keeps working.
    expect((await reach(other)).read).toBe(200);
    expect((await reach(await login(t, "operator"))).read).toBe(200);
  });

  it("sends a page request with a stale session cookie to /login", async () => {
    const t = await createTestTenant(handle, "tok-page");
    const token = await login(t, "viewer");
    jar.set(SESSION_COOKIE, token);
    expect((await requirePrincipal()).userId).toBe(t.users.viewer.id);
    await handle.sql`DELETE FROM users WHERE id = ${t.users.viewer.id}`;
    await expect(requirePrincipal()).rejects.toMatchObject({
      digest: expect.stringMatching(/^NEXT_REDIRECT;.*;\/login;/),
    });
  });

  it("keeps working when only the email or name changes (no version bump), showing the new email", async () => {
    const t = await createTestTenant(handle, "tok-email");
    const token = await login(t, "viewer");
    const email = `renamed-${t.users.viewer.email}`;
    await handle.sql`UPDATE users SET email = ${email}, name = 'Renamed' WHERE id = ${t.users.viewer.id}`;
    jar.set(SESSION_COOKIE, token);
    expect((await currentPrincipal())?.email).toBe(email);
    expect((await reach(token)).read).toBe(200);
  });
});

describe("tokens signed with the right key but claims the row does not back", () => {
  const sign = (claims: Record<string, unknown>, sub: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(String(sub))
      .setIssuer("flotilla")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(requireAuthSecret()));

  it("accepts a token without `ver` (issued before versions) as version 0, until the version moves", async () => {
    const t = await createTestTenant(handle, "tok-nover");
    const u = t.users.operator;
    const token = await sign({ tid: t.tenantId, role: "operator", email: u.email }, u.id);
    expect((await reach(token)).read).toBe(200);
    await handle.sql`UPDATE users SET role = 'viewer' WHERE id = ${u.id}`;
    expect((await reach(token)).read).toBe(401);
  });

  it("refuses another tenant, a higher role or a newer version than the row has", async () => {
    const t = await createTestTenant(handle, "tok-claims");
    const other = await createTestTenant(handle, "tok-claims-b");
    const u = t.users.viewer;
    const base = { tid: t.tenantId, role: "viewer", email: u.email, ver: 0 };
    expect((await reach(await sign(base, u.id))).read).toBe(200);
    for (const claims of [
      { ...base, tid: other.tenantId },
      { ...base, role: "admin" },
      { ...base, ver: 1 },
      { ...base, ver: -1 },
    ]) {
      expect((await reach(await sign(claims, u.id))).read).toBe(401);
    }
    // A user id that does not exist (yet): nobody.
    expect((await reach(await sign(base, 2_000_000_000))).read).toBe(401);
  });
});
