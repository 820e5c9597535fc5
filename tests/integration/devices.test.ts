/**
 * The device API (/customer/devices…): create, list with filters and paging, get with
 * groups, delete with its campaign guard, and the OTA history.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as devicesRoute from "@/app/customer/devices/route";
import * as deviceRoute from "@/app/customer/devices/[device_id]/route";
import * as otaRoute from "@/app/customer/devices/[device_id]/ota/route";
import { CAMPAIGN_STATUSES, DEVICE_STATUSES } from "@/lib/db/schema/campaigns";
import { otaDeviceStatus } from "@/lib/db/schema";
import { type CallOptions } from "../support/api";
import { createTestTenant, testDb } from "../support/db";
import { ACTIVE, as, del, deviceIds, IN_FLIGHT, ISO, memberCount, NOT_FOUND, seeders } from "../support/devices-groups";

const handle = testDb();
afterAll(() => handle.close());
const { seedDevices, seedGroup, seedCampaign } = seeders(handle);

describe("devices", () => {
  it("creates a device (201) and refuses a duplicate (409)", async () => {
    const t = await createTestTenant(handle, "dg-dcreate");
    const res = await as(t, "operator", devicesRoute.POST, {
      body: { device_id: "dev-1", device_type: "sensor", fw_version: "1.0.0" },
    });
    expect(res).toMatchObject({
      status: 201,
      body: { device_id: "dev-1", device_type: "sensor", fw_version: "1.0.0", last_seen_at: null, created_at: ISO },
    });
    const bare = await as(t, "operator", devicesRoute.POST, { body: { device_id: "dev-2" } });
    // The credentials and the JWKS are shape-checked in device-credentials.test.ts.
    expect(bare.body).toEqual({
      device_id: "dev-2",
      device_type: null,
      fw_version: null,
      last_seen_at: null,
      created_at: ISO,
      has_credentials: true,
      credentials_issued_at: ISO,
      mqtt: expect.any(Object),
      signing_keys: expect.any(Object),
    });
    const dup = await as(t, "admin", devicesRoute.POST, { body: { device_id: "dev-1", device_type: "other" } });
    expect(dup).toMatchObject({ status: 409, body: { detail: expect.stringContaining("dev-1"), code: "conflict" } });
    expect((await as(t, "viewer", deviceRoute.GET, { params: { device_id: "dev-1" } })).body.device_type).toBe(
      "sensor",
    );
  });

  it("lists by device_id with filters, and a total that counts every match, not the page", async () => {
    const t = await createTestTenant(handle, "dg-dlist");
    await seedDevices(t, [
      ["d-03", "sensor", "2.0"],
      ["d-01", "sensor", "1.0"],
      ["d-05", "gateway", "2.0"],
      ["d-02", "gateway", "1.0"],
      ["d-04", "sensor", "1.0"],
    ]);
    await seedGroup(t, "grp", ["d-04", "d-01", "d-05"]);
    const list = async (query: CallOptions["query"]) => (await as(t, "viewer", devicesRoute.GET, { query })).body;
    const all = await list({});
    expect({ ...all, devices: deviceIds(all) }).toEqual({
      devices: ["d-01", "d-02", "d-03", "d-04", "d-05"],
      total: 5,
      limit: 50,
      offset: 0,
    });
    expect(all.devices[0]).toEqual({
      device_id: "d-01",
      device_type: "sensor",
      fw_version: "1.0",
      last_seen_at: null,
      created_at: ISO,
      has_credentials: false,
      credentials_issued_at: null,
    });
    const page = await list({ limit: 2, offset: 1 });
    expect({ ...page, devices: deviceIds(page) }).toEqual({ devices: ["d-02", "d-03"], total: 5, limit: 2, offset: 1 });
    expect(await list({ offset: 10 })).toEqual({ devices: [], total: 5, limit: 50, offset: 10 });
    const cases: [CallOptions["query"], string[], number][] = [
      [{ device_type: "sensor" }, ["d-01", "d-03", "d-04"], 3],
      [{ device_type: "sensor", limit: 1, offset: 1 }, ["d-03"], 3],
      [{ fw_version: "2.0" }, ["d-03", "d-05"], 2],
      [{ device_type: "sensor", fw_version: "1.0" }, ["d-01", "d-04"], 2],
      [{ group_id: "grp" }, ["d-01", "d-04", "d-05"], 3],
      [{ group_id: "grp", device_type: "gateway" }, ["d-05"], 1],
      [{ group_id: "grp", limit: 2 }, ["d-01", "d-04"], 3],
      [{ group_id: "no-such-group" }, [], 0],
      [{ device_type: "toaster" }, [], 0],
    ];
    for (const [query, ids, total] of cases) {
      const body = await list(query);
      expect({ query, ids: deviceIds(body), total: body.total }).toEqual({ query, ids, total });
    }
  });

  it("gets a device with its groups (by group_id), and 404 for an unknown one", async () => {
    const t = await createTestTenant(handle, "dg-dget");
    await seedDevices(t, [["dev-1", "sensor", "1.0"], ["dev-2"]]);
    for (const [id, members, name] of [
      ["zeta", ["dev-1"], "Zeta"],
      ["alpha", ["dev-1", "dev-2"], "Alpha"],
      ["empty", [], "Empty"],
    ] as const)
      await seedGroup(t, id, [...members], name);
    const groups = [
      { group_id: "alpha", name: "Alpha" },
      { group_id: "zeta", name: "Zeta" },
    ];
    const device = {
      device_id: "dev-1",
      device_type: "sensor",
      fw_version: "1.0",
      last_seen_at: null,
      created_at: ISO,
      has_credentials: false,
      credentials_issued_at: null,
      groups,
    };
    expect(await as(t, "viewer", deviceRoute.GET, { params: { device_id: "dev-1" } })).toMatchObject({
      status: 200,
      body: device,
    });
    expect(await as(t, "viewer", deviceRoute.GET, { params: { device_id: "ghost" } })).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
  });

  it("deletes a device (204, leaving its groups; then 404), refusing (409) only while an active campaign has it to update", async () => {
    const t = await createTestTenant(handle, "dg-ddel");
    await seedDevices(t, [["dev-1"], ["dev-2"]]);
    await seedGroup(t, "g", ["dev-1", "dev-2"]);
    expect((await del(t, deviceRoute.DELETE, { device_id: "dev-1" })).status).toBe(204);
    expect((await as(t, "viewer", deviceRoute.GET, { params: { device_id: "dev-1" } })).status).toBe(404);
    expect(await memberCount(t, "g")).toBe(1);
    expect(await del(t, deviceRoute.DELETE, { device_id: "dev-1" })).toMatchObject({ status: 404, body: NOT_FOUND });
    const expected: Record<string, number> = {};
    for (const cs of CAMPAIGN_STATUSES) {
      const c = await seedCampaign(t, "g", cs);
      const ids = DEVICE_STATUSES.map((ds) => `dev-${cs}-${ds}`);
      await seedDevices(
        t,
        ids.map((id) => [id]),
      );
      await handle.db
        .insert(otaDeviceStatus)
        .values(
          DEVICE_STATUSES.map((status, i) => ({ tenantId: t.tenantId, campaignId: c.id, deviceId: ids[i]!, status })),
        );
      DEVICE_STATUSES.forEach(
        (ds, i) => (expected[ids[i]!] = ACTIVE.includes(cs) && IN_FLIGHT.includes(ds) ? 409 : 204),
      );
    }
    for (const [deviceId, status] of Object.entries(expected)) {
      const res = await del(t, deviceRoute.DELETE, { device_id: deviceId });
      expect({ deviceId, status: res.status }).toEqual({ deviceId, status });
      if (status === 409) {
        expect(res.body).toEqual({ detail: expect.any(String), code: "conflict" });
        expect((await as(t, "viewer", deviceRoute.GET, { params: { device_id: deviceId } })).status).toBe(200);
      }
    }
    expect(Object.values(expected).filter((s) => s === 409)).toHaveLength(9);
  });

  it("shows the OTA history newest first, paged, and 404 for an unknown device", async () => {
    const t = await createTestTenant(handle, "dg-dota");
    await seedDevices(t, [["dev-h"], ["dev-other"], ["dev-new"]]);
    await seedGroup(t, "g", ["dev-h", "dev-other"]);
    const [c1, c2, c3] = [
      await seedCampaign(t, "g", "COMPLETED", "first"),
      await seedCampaign(t, "g", "RUNNING", "second"),
      await seedCampaign(t, "g", "ABORTED", "third"),
    ];
    const at = (h: number) => new Date(Date.UTC(2025, 0, 1, h));
    const row = (campaignId: number, createdAt: Date, extra: Partial<typeof otaDeviceStatus.$inferInsert> = {}) => ({
      tenantId: t.tenantId,
      campaignId,
      deviceId: "dev-h",
      createdAt,
      ...extra,
    });
    await handle.db.insert(otaDeviceStatus).values([
      row(c2.id, at(2), { status: "DOWNLOADING", progressPct: 40, startedAt: at(3) }),
      row(c1.id, at(1), { status: "SUCCESS", progressPct: 100, startedAt: at(1), completedAt: at(2) }),
      row(c3.id, at(3), {
        status: "FAILED",
        errorMessage: "checksum mismatch",
        startedAt: at(4),
        completedAt: at(5),
      }),
      { tenantId: t.tenantId, campaignId: c2.id, deviceId: "dev-other", createdAt: at(9) },
    ]);
    const history = (query: CallOptions["query"] = {}, device_id = "dev-h") =>
      as(t, "viewer", otaRoute.GET, { params: { device_id }, query });
    const res = await history();
    expect(res).toMatchObject({ status: 200, body: { device_id: "dev-h", total: 3, limit: 50, offset: 0 } });
    expect(res.body.history.map((h: { campaign_name: string }) => h.campaign_name)).toEqual([
      "third",
      "second",
      "first",
    ]);
    expect(res.body.history[0]).toEqual({
      campaign_id: c3.id,
      campaign_name: "third",
      campaign_status: "ABORTED",
      firmware_version: c3.version,
      status: "FAILED",
      progress_pct: 0,
      error_message: "checksum mismatch",
      started_at: at(4).toISOString(),
      completed_at: at(5).toISOString(),
      created_at: at(3).toISOString(),
    });
    expect(res.body.history[1]).toMatchObject({
      campaign_id: c2.id,
      campaign_status: "RUNNING",
      firmware_version: c2.version,
      status: "DOWNLOADING",
      progress_pct: 40,
      error_message: null,
      completed_at: null,
    });
    expect((await history({ limit: 1, offset: 1 })).body).toMatchObject({
      total: 3,
      limit: 1,
      offset: 1,
      history: [{ campaign_id: c2.id }],
    });
    expect((await history({}, "dev-new")).body).toEqual({
      device_id: "dev-new",
      history: [],
      total: 0,
      limit: 50,
      offset: 0,
    });
    expect(await history({}, "ghost")).toMatchObject({ status: 404, body: NOT_FOUND });
  });
});
