/**
 * Device credentials through the API: registration (one and in bulk, JSON or the factory
 * line's CSV) answers each device's MQTT password once, with the tenant's JWKS; only the
 * password's SHA-256 is stored; a re-key replaces it; reads never show it; the broker's
 * provisioner is called once per request, before commit, and its failure changes nothing.
 * The single registration and the CSV bulk are checked again over the real socket.
 */
import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as bulkRoute from "@/app/customer/devices/bulk/route";
import * as credentialsRoute from "@/app/customer/devices/[device_id]/credentials/route";
import * as deviceRoute from "@/app/customer/devices/[device_id]/route";
import * as devicesRoute from "@/app/customer/devices/route";
import { prefersCsv } from "@/lib/http/credentials";
import { deviceSecretMatches } from "@/lib/mqtt/identity";
import {
  noProvisioning,
  setBrokerProvisioner,
  type BrokerProvisioner,
  type DeviceAccount,
} from "@/lib/mqtt/provisioning";
import { BULK_MAX_DEVICES } from "@/lib/ota/schemas";
import { authAs, call, type CallOptions, type Handler, type Role } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";
import { as, ISO, seeders } from "../support/devices-groups";
import { distDir, hasBuild, startWebServer, WEB_SERVER_HOOK_TIMEOUT_MS, type WebServer } from "../support/web-server";

const handle = testDb();
afterAll(() => handle.close());
afterEach(() => setBrokerProvisioner(noProvisioning));
const { seedDevices, seedGroup, seedCampaign } = seeders(handle);
/** Like `as`, keeping the request's own headers beside the user's Authorization. */
const asWith = async (t: TestTenant, role: Role, handler: Handler, opts: CallOptions) =>
  call(handler, { ...opts, headers: { ...opts.headers, ...(await authAs(t, role)) } });

/** 256 random bits in base64url: 43 characters, no padding. */
const PASSWORD_RE = /^[A-Za-z0-9_-]{43}$/;
const PASSWORD = expect.stringMatching(PASSWORD_RE);
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const JWKS = {
  keys: expect.arrayContaining([
    { kty: "OKP", crv: "Ed25519", kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), x: expect.any(String) },
  ]),
};

interface Row {
  device_id: string;
  mqtt_secret_hash: string | null;
  credentials_version: number;
  /** As PostgreSQL prints it: this connection leaves timestamps as text. */
  credentials_issued_at: string | null;
}
async function rows(t: TestTenant): Promise<Row[]> {
  return handle.sql<Row[]>`
    SELECT device_id, mqtt_secret_hash, credentials_version, credentials_issued_at
    FROM devices WHERE tenant_id = ${t.tenantId} ORDER BY device_id`;
}
async function row(t: TestTenant, deviceId: string): Promise<Row | undefined> {
  return (await rows(t)).find((r) => r.device_id === deviceId);
}

/** A provisioner that records its calls and checks, at each, what a separate connection sees committed. */
function recordingProvisioner(t: TestTenant) {
  const calls: { op: "upsert" | "remove"; accounts: DeviceAccount[]; committed: string[] }[] = [];
  const committed = async () => (await rows(t)).map((r) => r.device_id);
  const p: BrokerProvisioner = {
    upsert: async (accounts) => void calls.push({ op: "upsert", accounts, committed: await committed() }),
    remove: async (accounts) => void calls.push({ op: "remove", accounts, committed: await committed() }),
  };
  return { p, calls };
}
const unreachable: BrokerProvisioner = {
  upsert: async () => {
    throw new Error("connect ECONNREFUSED 127.0.0.1:1883");
  },
  remove: async () => {
    throw new Error("connect ECONNREFUSED 127.0.0.1:1883");
  },
};
const BROKER_UNAVAILABLE = { status: 503, body: { code: "broker_unavailable", detail: expect.any(String) } };

describe("device credentials", () => {
  it("registration answers the device, its MQTT credentials once and the JWKS, and stores only the hash", async () => {
    const t = await createTestTenant(handle, "cred-create");
    const rec = recordingProvisioner(t);
    setBrokerProvisioner(rec.p);
    const res = await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-1", device_type: "sensor" } });
    expect(res).toMatchObject({
      status: 201,
      body: {
        device_id: "dev-1",
        device_type: "sensor",
        has_credentials: true,
        credentials_issued_at: ISO,
        mqtt: { client_id: `${t.tenantId}:dev-1`, username: `${t.tenantId}:dev-1`, password: PASSWORD },
        signing_keys: JWKS,
      },
    });
    expect(res.headers.get("cache-control")).toBe("no-store");
    const password = res.body.mqtt.password as string;
    expect(Buffer.from(password, "base64url")).toHaveLength(32);
    const stored = await row(t, "dev-1");
    expect(stored).toMatchObject({ mqtt_secret_hash: sha256(password), credentials_version: 1 });
    const [raw] = await handle.sql`SELECT d::text AS text FROM devices d WHERE tenant_id = ${t.tenantId}`;
    expect(raw!.text).not.toContain(password);
    // Provisioned once, with the password, before the registration committed.
    expect(rec.calls).toEqual([
      { op: "upsert", accounts: [{ tenantId: t.tenantId, deviceId: "dev-1", password }], committed: [] },
    ]);
    // A second device gets a password of its own.
    const other = await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-2" } });
    expect(other.body.mqtt.password).toMatch(PASSWORD_RE);
    expect(other.body.mqtt.password).not.toBe(password);
  });

  it("re-keying replaces the hash and bumps the version: the old password no longer matches", async () => {
    const t = await createTestTenant(handle, "cred-rekey");
    const created = await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-1" } });
    const old = created.body.mqtt.password as string;
    const before = (await row(t, "dev-1"))!;
    const rec = recordingProvisioner(t);
    setBrokerProvisioner(rec.p);
    const res = await as(t, "operator", credentialsRoute.POST, { params: { device_id: "dev-1" }, method: "POST" });
    expect(res).toMatchObject({
      status: 200,
      body: {
        device_id: "dev-1",
        mqtt: { client_id: `${t.tenantId}:dev-1`, username: `${t.tenantId}:dev-1`, password: PASSWORD },
        signing_keys: JWKS,
      },
    });
    expect(Object.keys(res.body).sort()).toEqual(["device_id", "mqtt", "signing_keys"]);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const fresh = res.body.mqtt.password as string;
    expect(fresh).not.toBe(old);
    const after = (await row(t, "dev-1"))!;
    expect(after.mqtt_secret_hash).toBe(sha256(fresh));
    expect(after.credentials_version).toBe(before.credentials_version + 1);
    expect(Date.parse(after.credentials_issued_at!)).toBeGreaterThanOrEqual(Date.parse(before.credentials_issued_at!));
    expect(deviceSecretMatches(old, after.mqtt_secret_hash)).toBe(false);
    expect(deviceSecretMatches(fresh, after.mqtt_secret_hash)).toBe(true);
    expect(rec.calls.map((c) => [c.op, c.accounts])).toEqual([
      ["upsert", [{ tenantId: t.tenantId, deviceId: "dev-1", password: fresh }]],
    ]);
    // The signing keys are the same JWKS registration handed out.
    expect(res.body.signing_keys).toEqual(created.body.signing_keys);
    expect(
      await as(t, "operator", credentialsRoute.POST, { params: { device_id: "ghost" }, method: "POST" }),
    ).toMatchObject({ status: 404, body: { code: "not_found" } });
  });

  it("lists and gets say whether a device has credentials, and never show the password or its hash", async () => {
    const t = await createTestTenant(handle, "cred-read");
    await seedDevices(t, [["legacy"]]);
    const created = await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-1" } });
    const password = created.body.mqtt.password as string;
    const secrets = [password, sha256(password)];
    const list = await as(t, "viewer", devicesRoute.GET);
    const one = await as(t, "viewer", deviceRoute.GET, { params: { device_id: "dev-1" } });
    const legacy = await as(t, "viewer", deviceRoute.GET, { params: { device_id: "legacy" } });
    for (const body of [list.body, one.body, legacy.body]) {
      const text = JSON.stringify(body);
      for (const s of secrets) expect(text).not.toContain(s);
      expect(text).not.toMatch(/mqtt|password|hash/);
    }
    expect(list.body.devices).toEqual([
      expect.objectContaining({ device_id: "dev-1", has_credentials: true, credentials_issued_at: ISO }),
      expect.objectContaining({ device_id: "legacy", has_credentials: false, credentials_issued_at: null }),
    ]);
    expect(one.body).toMatchObject({
      has_credentials: true,
      credentials_issued_at: created.body.credentials_issued_at,
    });
    expect(legacy.body).toMatchObject({ has_credentials: false, credentials_issued_at: null });
  });

  it("tenant A cannot re-key tenant B's device (404, B's hash unchanged); viewers may not register or re-key (403)", async () => {
    const a = await createTestTenant(handle, "cred-rls-a");
    const b = await createTestTenant(handle, "cred-rls-b");
    await as(b, "operator", devicesRoute.POST, { body: { device_id: "b-dev" } });
    const before = await row(b, "b-dev");
    expect(
      await as(a, "admin", credentialsRoute.POST, { params: { device_id: "b-dev" }, method: "POST" }),
    ).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect(await row(b, "b-dev")).toEqual(before);
    expect(
      await as(b, "viewer", credentialsRoute.POST, { params: { device_id: "b-dev" }, method: "POST" }),
    ).toMatchObject({ status: 403, body: { code: "forbidden" } });
    expect(await as(b, "viewer", devicesRoute.POST, { body: { device_id: "v-dev" } })).toMatchObject({ status: 403 });
    expect(await as(b, "viewer", bulkRoute.POST, { body: { devices: [{ device_id: "v-dev" }] } })).toMatchObject({
      status: 403,
    });
    expect(await row(b, "b-dev")).toEqual(before);
    expect((await rows(b)).map((r) => r.device_id)).toEqual(["b-dev"]);
  });

  it("deleting a device removes its broker account before the deletion commits", async () => {
    const t = await createTestTenant(handle, "cred-delete");
    await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-1" } });
    const rec = recordingProvisioner(t);
    setBrokerProvisioner(rec.p);
    expect(
      await as(t, "operator", deviceRoute.DELETE, { params: { device_id: "dev-1" }, method: "DELETE" }),
    ).toMatchObject({ status: 204 });
    expect(rec.calls).toEqual([
      { op: "remove", accounts: [{ tenantId: t.tenantId, deviceId: "dev-1" }], committed: ["dev-1"] },
    ]);
    expect(await rows(t)).toEqual([]);
    // A device an open campaign still has to update is neither deleted nor removed from the broker.
    await seedDevices(t, [["busy"]]);
    await seedGroup(t, "g", ["busy"]);
    const c = await seedCampaign(t, "g", "RUNNING");
    await handle.sql`INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status)
                     VALUES (${t.tenantId}, ${c.id}, 'busy', 'PENDING')`;
    expect(
      await as(t, "operator", deviceRoute.DELETE, { params: { device_id: "busy" }, method: "DELETE" }),
    ).toMatchObject({ status: 409 });
    expect(rec.calls).toHaveLength(1);
  });

  it("a broker that cannot be provisioned answers 503 and nothing is committed", async () => {
    const t = await createTestTenant(handle, "cred-503");
    const created = await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-1" } });
    const before = await rows(t);
    setBrokerProvisioner(unreachable);
    const errors: unknown[] = [];
    const log = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      expect(await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-2" } })).toMatchObject(
        BROKER_UNAVAILABLE,
      );
      expect(
        await as(t, "operator", bulkRoute.POST, {
          body: { devices: [{ device_id: "dev-3" }, { device_id: "dev-4" }] },
        }),
      ).toMatchObject(BROKER_UNAVAILABLE);
      expect(
        await as(t, "operator", credentialsRoute.POST, { params: { device_id: "dev-1" }, method: "POST" }),
      ).toMatchObject(BROKER_UNAVAILABLE);
      expect(
        await as(t, "operator", deviceRoute.DELETE, { params: { device_id: "dev-1" }, method: "DELETE" }),
      ).toMatchObject(BROKER_UNAVAILABLE);
    } finally {
      console.error = log;
    }
    // The cause is logged on the server, not handed to the caller.
    expect(errors).toHaveLength(4);
    expect(await rows(t)).toEqual(before);
    expect(deviceSecretMatches(created.body.mqtt.password, before[0]!.mqtt_secret_hash)).toBe(true);
  });
});

describe("bulk registration", () => {
  it("registers every device in one request: one provisioner call, every password's hash stored", async () => {
    const t = await createTestTenant(handle, "bulk-ok");
    const rec = recordingProvisioner(t);
    setBrokerProvisioner(rec.p);
    const devices = [
      { device_id: "b-3", device_type: "sensor", fw_version: "1.0.0" },
      { device_id: "b-1" },
      { device_id: "b-2", device_type: "gateway" },
    ];
    const res = await as(t, "operator", bulkRoute.POST, { body: { devices } });
    expect(res).toMatchObject({ status: 201, body: { created: 3, signing_keys: JWKS } });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(res.body).sort()).toEqual(["created", "devices", "signing_keys"]);
    // In the order of the body.
    expect(res.body.devices).toEqual(
      devices.map(({ device_id }) => ({
        device_id,
        mqtt: { client_id: `${t.tenantId}:${device_id}`, username: `${t.tenantId}:${device_id}`, password: PASSWORD },
      })),
    );
    const passwords = new Map<string, string>(
      res.body.devices.map((d: { device_id: string; mqtt: { password: string } }) => [d.device_id, d.mqtt.password]),
    );
    expect(new Set(passwords.values()).size).toBe(3);
    expect(await rows(t)).toEqual(
      ["b-1", "b-2", "b-3"].map((id) => ({
        device_id: id,
        mqtt_secret_hash: sha256(passwords.get(id)!),
        credentials_version: 1,
        credentials_issued_at: expect.any(String),
      })),
    );
    const list = await as(t, "viewer", devicesRoute.GET);
    expect(list.body.devices.map((d: { device_type: string | null }) => d.device_type)).toEqual([
      null,
      "gateway",
      "sensor",
    ]);
    expect(rec.calls).toHaveLength(1);
    expect(rec.calls[0]).toMatchObject({ op: "upsert", committed: [] });
    expect(rec.calls[0]!.accounts).toEqual(
      devices.map(({ device_id }) => ({
        tenantId: t.tenantId,
        deviceId: device_id,
        password: passwords.get(device_id),
      })),
    );
  });

  it("refuses ids listed twice (422, each duplicate named) and registers nothing", async () => {
    const t = await createTestTenant(handle, "bulk-dup");
    const res = await as(t, "operator", bulkRoute.POST, {
      body: { devices: [{ device_id: "x-1" }, { device_id: "x-2" }, { device_id: "x-1" }, { device_id: "x-3" }] },
    });
    expect(res).toMatchObject({
      status: 422,
      body: {
        code: "validation_error",
        detail: [
          {
            loc: ["body", "devices", 2, "device_id"],
            msg: expect.stringContaining("x-1"),
            type: "custom",
          },
        ],
      },
    });
    expect(await rows(t)).toEqual([]);
    // Many duplicates: 20 named, the rest counted, never one issue per device.
    const many = await as(t, "operator", bulkRoute.POST, {
      body: { devices: Array.from({ length: 1000 }, (_, i) => ({ device_id: `d-${i % 10}` })) },
    });
    expect(many.status).toBe(422);
    expect(many.body.detail).toHaveLength(21);
    expect(many.body.detail.at(-1)).toMatchObject({
      loc: ["body", "devices"],
      msg: "and 970 more duplicate device_ids",
    });
  });

  it("refuses ids already registered (409, the first few named) and registers none of the others", async () => {
    const t = await createTestTenant(handle, "bulk-taken");
    await seedDevices(t, [["t-2"], ["t-4"], ["t-6"], ["t-8"], ["t-10"], ["t-12"], ["t-14"]]);
    const rec = recordingProvisioner(t);
    setBrokerProvisioner(rec.p);
    const before = await rows(t);
    const devices = Array.from({ length: 15 }, (_, i) => ({ device_id: `t-${15 - i}` }));
    const res = await as(t, "operator", bulkRoute.POST, { body: { devices } });
    expect(res).toMatchObject({ status: 409, body: { code: "conflict" } });
    expect(res.body.detail).toBe(
      "7 of these devices are already registered: t-14, t-12, t-10, t-8, t-6, and 2 more. Nothing was registered.",
    );
    expect(await rows(t)).toEqual(before);
    expect(rec.calls).toEqual([]);
  });

  it("answers the factory line's CSV with Accept: text/csv", async () => {
    const t = await createTestTenant(handle, "bulk-csv");
    const ids = ["c-1", "c-2", "c-3"];
    const res = await asWith(t, "operator", bulkRoute.POST, {
      body: { devices: ids.map((device_id) => ({ device_id })) },
      headers: { accept: "text/csv" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="devices-[\w.-]+\.csv"$/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = res.body as string;
    expect(text.endsWith("\r\n")).toBe(true);
    const lines = text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("device_id,client_id,username,password");
    const parsed = lines.slice(1).map((l) => l.split(","));
    expect(parsed.map((p) => p.slice(0, 3))).toEqual(
      ids.map((id) => [id, `${t.tenantId}:${id}`, `${t.tenantId}:${id}`]),
    );
    const stored = await rows(t);
    for (const [id, , , password] of parsed) {
      expect(password).toMatch(PASSWORD_RE);
      expect(stored.find((r) => r.device_id === id)!.mqtt_secret_hash).toBe(sha256(password!));
    }
  });

  it("chooses CSV only when Accept prefers it to JSON", () => {
    const accepts = (accept?: string) =>
      prefersCsv(new Request("http://x/", { headers: accept === undefined ? {} : { accept } }));
    expect(accepts()).toBe(false);
    expect(accepts("*/*")).toBe(false);
    expect(accepts("application/json")).toBe(false);
    expect(accepts("text/csv")).toBe(true);
    expect(accepts("text/csv, */*")).toBe(true);
    expect(accepts("Text/CSV; charset=utf-8")).toBe(true);
    expect(accepts("application/json, text/csv;q=0.5")).toBe(false);
    expect(accepts("application/json;q=0.5, text/csv")).toBe(true);
    expect(accepts("text/csv;q=0")).toBe(false);
    expect(accepts("text/csv;q=0.2, */*;q=0.8")).toBe(false);
  });

  it(`takes ${BULK_MAX_DEVICES.toLocaleString("en")} devices in one request, and refuses one more`, async () => {
    const t = await createTestTenant(handle, "bulk-max");
    const devices = Array.from({ length: BULK_MAX_DEVICES }, (_, i) => ({
      device_id: `factory-${String(i).padStart(6, "0")}`,
      device_type: "sensor",
      fw_version: "1.0.0",
    }));
    const body = JSON.stringify({ devices });
    const started = performance.now();
    const res = await asWith(t, "operator", bulkRoute.POST, { body, headers: { accept: "text/csv" } });
    const ms = performance.now() - started;
    console.log(
      `[bulk] ${BULK_MAX_DEVICES} devices (${(body.length / 1e6).toFixed(1)} MB of JSON) registered in ${Math.round(ms)} ms`,
    );
    expect(res.status).toBe(201);
    expect((res.body as string).trimEnd().split("\r\n")).toHaveLength(BULK_MAX_DEVICES + 1);
    const [count] = await handle.sql`
      SELECT count(*)::int AS n, count(mqtt_secret_hash)::int AS keyed FROM devices WHERE tenant_id = ${t.tenantId}`;
    expect(count).toEqual({ n: BULK_MAX_DEVICES, keyed: BULK_MAX_DEVICES });
    const over = await as(t, "operator", bulkRoute.POST, {
      body: { devices: [...devices.slice(0, BULK_MAX_DEVICES), { device_id: "one-more" }] },
    });
    expect(over).toMatchObject({ status: 422, body: { detail: [{ loc: ["body", "devices"], type: "too_big" }] } });
    await handle.sql`DELETE FROM devices WHERE tenant_id = ${t.tenantId}`;
  }, 180_000);
});

if (!hasBuild)
  console.warn(
    `[device-credentials] wire tests skipped: no production build in ${distDir}/ (run \`npm test\`, or \`next build\` first)`,
  );

describe.skipIf(!hasBuild)("over the real socket", () => {
  let server: WebServer | undefined;
  let t: TestTenant;
  beforeAll(async () => {
    t = await createTestTenant(handle, "cred-wire");
    server = await startWebServer();
  }, WEB_SERVER_HOOK_TIMEOUT_MS);
  afterAll(() => server?.stop());

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server!.base}${path}`, {
      method: "POST",
      headers: { ...(await authAs(t, "operator")), "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("registration: 201 JSON with the credentials, Cache-Control: no-store", async () => {
    const res = await post("/customer/devices", { device_id: "w-1" });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toMatchObject({ device_id: "w-1", mqtt: { password: PASSWORD }, signing_keys: JWKS });
    expect((await row(t, "w-1"))!.mqtt_secret_hash).toBe(sha256(body.mqtt.password));
  });

  it("bulk with Accept: text/csv: 201, the CSV as an attachment, Cache-Control: no-store", async () => {
    const res = await post(
      "/customer/devices/bulk",
      { devices: [{ device_id: "w-2" }, { device_id: "w-3" }] },
      { accept: "text/csv" },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="devices-[\w.-]+\.csv"$/);
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("device_id,client_id,username,password");
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(["w-2", "w-3"]);
    const password = lines[1]!.split(",")[3]!;
    expect((await row(t, "w-2"))!.mqtt_secret_hash).toBe(sha256(password));
  });
});
