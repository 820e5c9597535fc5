/**
 * The EMQX HTTP hooks (POST /mqtt/auth, POST /mqtt/acl), by contract: the requests EMQX 5's
 * HTTP authenticator and authorizer send (JSON bodies built from `${clientid}`,
 * `${username}`, `${password}`, `${topic}`, `${action}`, with our shared secret in a header),
 * and the answers it understands (200 `{"result": "allow" | "deny"}`). In-process through
 * the route handlers, and over the real socket against the production server when a build exists.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECRET = randomBytes(32).toString("base64url");
const SERVICE = { username: "flotilla-service", password: randomBytes(24).toString("base64url") };
// Read by config() on first use, which comes after these lines (nothing parses it at import).
process.env.MQTT_HOOK_SECRET = SECRET;
process.env.MQTT_USERNAME = SERVICE.username;
process.env.MQTT_PASSWORD = SERVICE.password;

import { POST as acl } from "@/app/mqtt/acl/route";
import { POST as auth } from "@/app/mqtt/auth/route";
import { withTenant } from "@/lib/db/tenant";
import { errorResponse } from "@/lib/http/respond";
import { assertHookCaller } from "@/lib/mqtt/hooks";
import type { DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { issueDeviceCredentials } from "@/lib/ota/credentials";
import { commandTopic, statusTopic } from "@/lib/rollout/protocol";
import { call, type Handler } from "../support/api";
import { createTestTenant, testDb } from "../support/db";
import { distDir, hasBuild, startWebServer, WEB_SERVER_HOOK_TIMEOUT_MS, type WebServer } from "../support/web-server";
import { devices } from "@/lib/db/schema";

const handle = testDb();
afterAll(() => handle.close());

const hook = { Authorization: `Bearer ${SECRET}` };

/** A tenant with devices a and b, their credentials issued. */
async function tenantWithDevices(label: string) {
  const t = await createTestTenant(handle, label);
  await handle.db.insert(devices).values([
    { tenantId: t.tenantId, deviceId: "a" },
    { tenantId: t.tenantId, deviceId: "b" },
  ]);
  const creds = await withTenant(handle.db, t.tenantId, (tx) => issueDeviceCredentials(tx, t.tenantId, ["a", "b"]));
  return { tenantId: t.tenantId, a: creds.get("a")!, b: creds.get("b")! };
}

/** EMQX's default authentication body for a client. */
const authBody = (c: Partial<DeviceMqttCredentials>) => ({
  clientid: c.client_id ?? "",
  username: c.username ?? "",
  password: c.password ?? "",
});

describe("POST /mqtt/auth", () => {
  it("allows a device connecting as itself with its password, and the service as superuser", async () => {
    const f = await tenantWithDevices("hook-auth");
    expect(await call(auth as Handler, { headers: hook, body: authBody(f.a) })).toMatchObject({
      status: 200,
      body: { result: "allow", is_superuser: false },
    });
    const svc = { client_id: "worker-1", username: SERVICE.username, password: SERVICE.password };
    expect((await call(auth as Handler, { headers: hook, body: authBody(svc) })).body).toEqual({
      result: "allow",
      is_superuser: true,
    });
  });

  it("denies anonymous, wrong, borrowed, unknown, re-keyed and deleted credentials, with 200", async () => {
    const f = await tenantWithDevices("hook-deny");
    const denied = [
      authBody({}),
      authBody({ client_id: "x" }),
      authBody({ ...f.a, password: "wrong" }),
      authBody({ ...f.a, password: f.b.password }),
      authBody({ ...f.a, client_id: f.b.client_id }),
      authBody({ ...f.a, client_id: `${f.tenantId}:nobody`, username: `${f.tenantId}:nobody` }),
      authBody({ client_id: "w", username: SERVICE.username, password: `${SERVICE.password}!` }),
      { clientid: f.a.client_id, username: null, password: null },
    ];
    for (const body of denied) {
      const res = await call(auth as Handler, { headers: hook, body });
      expect({ body, res: [res.status, res.body] }).toEqual({ body, res: [200, { result: "deny" }] });
    }
    // Re-keyed: the old password stops working, the new one works.
    const [fresh] = await withTenant(handle.db, f.tenantId, (tx) => issueDeviceCredentials(tx, f.tenantId, ["b"])).then(
      (m) => [...m.values()],
    );
    expect((await call(auth as Handler, { headers: hook, body: authBody(f.b) })).body.result).toBe("deny");
    expect((await call(auth as Handler, { headers: hook, body: authBody(fresh!) })).body.result).toBe("allow");
    // Deleted (before this process cached it: a cached credential stands for up to 30 s).
    const gone = await tenantWithDevices("hook-del");
    await handle.sql`DELETE FROM devices WHERE tenant_id = ${gone.tenantId} AND device_id = 'a'`;
    expect((await call(auth as Handler, { headers: hook, body: authBody(gone.a) })).body.result).toBe("deny");
  });
});

describe("POST /mqtt/acl", () => {
  const aclBody = (c: DeviceMqttCredentials, topic: string, action: "publish" | "subscribe") => ({
    clientid: c.client_id,
    username: c.username,
    topic,
    action,
  });

  it("allows a device only its own command subscription and its own status publish", async () => {
    const f = await tenantWithDevices("hook-acl");
    const other = await tenantWithDevices("hook-acl-other");
    const cases: [ReturnType<typeof aclBody>, "allow" | "deny"][] = [
      [aclBody(f.a, commandTopic(f.tenantId, "a"), "subscribe"), "allow"],
      [aclBody(f.a, statusTopic(f.tenantId, "a"), "publish"), "allow"],
      [aclBody(f.a, commandTopic(f.tenantId, "b"), "subscribe"), "deny"],
      [aclBody(f.a, commandTopic(other.tenantId, "a"), "subscribe"), "deny"],
      [aclBody(f.a, "#", "subscribe"), "deny"],
      [aclBody(f.a, `tenant/${f.tenantId}/device/+/ota`, "subscribe"), "deny"],
      [aclBody(f.a, statusTopic(f.tenantId, "b"), "publish"), "deny"],
      [aclBody(f.a, commandTopic(f.tenantId, "a"), "publish"), "deny"],
      [aclBody(f.a, statusTopic(f.tenantId, "a"), "subscribe"), "deny"],
      [{ ...aclBody(f.a, statusTopic(f.tenantId, "a"), "publish"), clientid: "someone-else" }, "deny"],
      [{ ...aclBody(f.a, commandTopic(f.tenantId, "b"), "subscribe"), username: SERVICE.username }, "allow"],
      [{ ...aclBody(f.a, statusTopic(f.tenantId, "a"), "publish"), username: "" }, "deny"],
    ];
    for (const [body, expected] of cases) {
      const res = await call(acl as Handler, { headers: hook, body });
      expect({ body, res: [res.status, res.body] }).toEqual({ body, res: [200, { result: expected }] });
    }
  });
});

describe("the hooks' door", () => {
  it("answers 401 without the shared secret (before reading the body), 422 for a malformed question", async () => {
    for (const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: SECRET }]) {
      for (const handler of [auth, acl]) {
        const res = await call(handler as Handler, { headers, body: { clientid: "x", username: "y", password: "z" } });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe("unauthorized");
        expect((await call(handler as Handler, { headers, body: "not json" })).status).toBe(401);
      }
    }
    const bad = await call(acl as Handler, { headers: hook, body: { clientid: "x", topic: "t", action: "all" } });
    expect(bad.status).toBe(422);
    expect((await call(auth as Handler, { headers: hook, body: "not json" })).status).toBe(400);
  });

  it("does not exist without MQTT_HOOK_SECRET (404)", async () => {
    const req = new Request("http://flotilla.test/mqtt/auth", { method: "POST", headers: hook });
    let res: Response | undefined;
    try {
      assertHookCaller(req, undefined);
    } catch (err) {
      res = errorResponse(err);
    }
    expect(res?.status).toBe(404);
  });
});

// Over the real socket: the production server (scripts/web-server.ts) with this file's environment.
const builtWithHooks = hasBuild && fs.existsSync(path.resolve(distDir, "server", "app", "mqtt", "auth"));
if (!builtWithHooks)
  console.warn(`[broker-hooks] wire tests skipped: no production build with /mqtt/* in ${distDir}/ (run \`npm test\`)`);

describe.skipIf(!builtWithHooks)("the hooks over the wire", () => {
  let server: WebServer | undefined;
  beforeAll(async () => {
    server = await startWebServer();
  }, WEB_SERVER_HOOK_TIMEOUT_MS);
  afterAll(() => server?.stop());

  it("answers EMQX's JSON requests with 200 JSON, and 401 without the secret", async () => {
    const f = await tenantWithDevices("hook-wire");
    const post = (p: string, body: unknown, headers: Record<string, string> = hook) =>
      fetch(`${server!.base}${p}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    const ok = await post("/mqtt/auth", authBody(f.a));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await ok.json()).toEqual({ result: "allow", is_superuser: false });
    const no = await post("/mqtt/auth", authBody({ ...f.a, password: "x" }));
    expect([no.status, await no.json()]).toEqual([200, { result: "deny" }]);
    const subscribe = { clientid: f.a.client_id, username: f.a.username, action: "subscribe" };
    const mine = await post("/mqtt/acl", { ...subscribe, topic: commandTopic(f.tenantId, "a") });
    expect([mine.status, await mine.json()]).toEqual([200, { result: "allow" }]);
    const theirs = await post("/mqtt/acl", { ...subscribe, topic: commandTopic(f.tenantId, "b") });
    expect([theirs.status, await theirs.json()]).toEqual([200, { result: "deny" }]);
    expect((await post("/mqtt/auth", authBody(f.a), {})).status).toBe(401);
    expect((await post("/mqtt/acl", { ...subscribe, topic: "#" }, { Authorization: "Bearer no" })).status).toBe(401);
  });
});
