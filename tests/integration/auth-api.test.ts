import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as token } from "@/app/auth/token/route";
import { POST as login } from "@/app/auth/login/route";
import { GET as listFirmware } from "@/app/customer/firmware/route";
import { LOGIN_EMAIL_COOKIE } from "@/app/login/email-cookie";
import { SESSION_COOKIE } from "@/lib/auth/token";
import { firmwareVersions } from "@/lib/db/schema";
import { authAs, authTokenRequest } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
let a: TestTenant;
let b: TestTenant;
const noParams = { params: Promise.resolve({}) };

const get = (path: string, headers: Record<string, string> = {}) => new Request(`http://test${path}`, { headers });

beforeAll(async () => {
  a = await createTestTenant(handle, "api-a");
  b = await createTestTenant(handle, "api-b");
  for (const [t, versions] of [
    [a, ["1.0.0", "1.1.0", "1.2.0"]],
    [b, ["7.0.0"]],
  ] as const) {
    await handle.db.insert(firmwareVersions).values(
      versions.map((version) => ({
        tenantId: t.tenantId,
        version,
        fileUrl: `http://x/${version}.bin`,
        deviceType: "sensor",
      })),
    );
  }
});
afterAll(() => handle.close());

describe("POST /auth/token", () => {
  it("returns a bearer token for valid credentials", async () => {
    const res = await token(authTokenRequest({ email: a.users.admin.email.toUpperCase(), password: a.password }));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual({ access_token: expect.any(String), token_type: "bearer", expires_in: 43200 });
  });

  it("answers 401 with a detail for a wrong password or an unknown email", async () => {
    for (const creds of [
      { email: a.users.admin.email, password: "wrong" },
      { email: "nobody@nowhere.test", password: a.password },
    ]) {
      const res = await token(authTokenRequest(creds));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: "Invalid email or password", code: "unauthorized" });
    }
  });

  it("answers 422 for a body that is not credentials", async () => {
    const res = await token(authTokenRequest({ email: "not-an-email" }));
    expect(res.status).toBe(422);
    const locs = (await res.json()).detail.map((d: { loc: string[] }) => d.loc.join("."));
    expect(locs).toEqual(expect.arrayContaining(["body.email", "body.password"]));
  });
});

describe("the session cookie", () => {
  it("is set httpOnly and SameSite=Lax by the login form and accepted by the API", async () => {
    const form = new URLSearchParams({ email: a.users.viewer.email, password: a.password });
    const res = await login(
      new Request("http://test/auth/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
      }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/app/ota/campaigns");
    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const list = await listFirmware(get("/customer/firmware", { cookie: cookie.split(";")[0]! }), noParams);
    expect(list.status).toBe(200);
  });

  it("sends a failed login back to the form with an error", async () => {
    const res = await login(
      new Request("http://test/auth/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email: a.users.admin.email, password: "nope" }),
      }),
    );
    expect(res.headers.get("location")).toBe("/login?error=invalid");
    // No session; only the typed email, kept for the form (Path=/login) and never in the URL.
    const cookies = res.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    expect(cookies).toEqual([expect.stringMatching(new RegExp(`^${LOGIN_EMAIL_COOKIE}=[^;]+; Path=/login; HttpOnly`))]);
  });
});

describe("GET /customer/firmware", () => {
  it("answers 401 without a token or with a forged one", async () => {
    for (const headers of [{}, { Authorization: "Bearer not.a.jwt" }] as Record<string, string>[]) {
      const res = await listFirmware(get("/customer/firmware", headers), noParams);
      expect(res.status).toBe(401);
      expect((await res.json()).code).toBe("unauthorized");
    }
  });

  it("returns the caller's tenant's firmware and none of another's", async () => {
    const res = await listFirmware(get("/customer/firmware", await authAs(a, "viewer")), noParams);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.total).toBe(3);
    expect(body.firmware_versions.map((f: { version: string }) => f.version).sort()).toEqual([
      "1.0.0",
      "1.1.0",
      "1.2.0",
    ]);
    const other = await (await listFirmware(get("/customer/firmware", await authAs(b)), noParams)).json();
    expect(other.firmware_versions.map((f: { version: string }) => f.version)).toEqual(["7.0.0"]);
  });

  it("pages with a total that counts every match, and validates its query", async () => {
    const auth = await authAs(a);
    const page = await (await listFirmware(get("/customer/firmware?limit=2&offset=0", auth), noParams)).json();
    expect(page.firmware_versions).toHaveLength(2);
    expect(page.total).toBe(3);
    const bad = await listFirmware(get("/customer/firmware?limit=500", auth), noParams);
    expect(bad.status).toBe(422);
    expect((await bad.json()).detail[0].loc).toEqual(["query", "limit"]);
  });
});
