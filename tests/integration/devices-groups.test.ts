import { afterAll, describe, expect, it } from "vitest";
import * as devicesRoute from "@/app/customer/devices/route";
import * as deviceRoute from "@/app/customer/devices/[device_id]/route";
import * as otaRoute from "@/app/customer/devices/[device_id]/ota/route";
import * as groupsRoute from "@/app/customer/device-groups/route";
import * as groupRoute from "@/app/customer/device-groups/[group_id]/route";
import * as membersRoute from "@/app/customer/device-groups/[group_id]/members/route";
import * as memberRoute from "@/app/customer/device-groups/[group_id]/members/[device_id]/route";
import { CAMPAIGN_STATUSES, DEVICE_STATUSES, type CampaignStatus, type DeviceStatus } from "@/lib/db/schema/campaigns";
import {
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
} from "@/lib/db/schema";
import { authAs, call, type CallOptions, type Handler } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
afterAll(() => handle.close());

type Role = "admin" | "operator" | "viewer";
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const ACTIVE: CampaignStatus[] = ["CREATED", "RUNNING", "PAUSED"];
const IN_FLIGHT: DeviceStatus[] = ["PENDING", "DOWNLOADING", "INSTALLING"];
const NOT_FOUND = { detail: expect.any(String), code: "not_found" };

/** Calls `handler` as the `role` user of tenant `t`. */
const as = async (t: TestTenant, role: Role, handler: Handler, opts: CallOptions = {}) =>
  call(handler, { ...opts, headers: await authAs(t, role) });
const del = (t: TestTenant, handler: Handler, params: Record<string, string>, role: Role = "operator") =>
  as(t, role, handler, { params, method: "DELETE" });

const seedDevices = (t: TestTenant, rows: [id: string, type?: string, fw?: string][]) =>
  handle.db
    .insert(devices)
    .values(
      rows.map(([deviceId, deviceType, fwVersion]) => ({ tenantId: t.tenantId, deviceId, deviceType, fwVersion })),
    );
async function seedGroup(t: TestTenant, groupId: string, members: string[] = [], name = `Group ${groupId}`) {
  await handle.db.insert(deviceGroups).values({ tenantId: t.tenantId, groupId, name });
  if (members.length)
    await handle.db
      .insert(deviceGroupMembers)
      .values(members.map((deviceId) => ({ tenantId: t.tenantId, groupId, deviceId })));
}
let fwSeq = 0;
async function seedCampaign(t: TestTenant, targetGroupId: string, status: CampaignStatus, name = `campaign ${status}`) {
  const version = `9.${++fwSeq}.0`;
  const [fw] = await handle.db
    .insert(firmwareVersions)
    .values({ tenantId: t.tenantId, version, fileUrl: `http://x/${version}.bin` })
    .returning();
  const [c] = await handle.db
    .insert(otaCampaigns)
    .values({ tenantId: t.tenantId, name, firmwareVersionId: fw!.id, targetGroupId, status })
    .returning();
  return { id: c!.id, version };
}
const memberCount = async (t: TestTenant, groupId: string) =>
  (await as(t, "viewer", groupRoute.GET, { params: { group_id: groupId } })).body.member_count as number;
const deviceIds = (body: { devices: { device_id: string }[] }) => body.devices.map((d) => d.device_id);

describe("authentication and the role table", () => {
  const routes = (): [string, Handler, CallOptions, boolean][] => [
    ["GET devices", devicesRoute.GET, {}, false],
    ["POST devices", devicesRoute.POST, { body: { device_id: "new-dev" } }, true],
    ["GET device", deviceRoute.GET, { params: { device_id: "d1" } }, false],
    ["DELETE device", deviceRoute.DELETE, { params: { device_id: "d1" }, method: "DELETE" }, true],
    ["GET device ota", otaRoute.GET, { params: { device_id: "d1" } }, false],
    ["GET groups", groupsRoute.GET, {}, false],
    ["POST groups", groupsRoute.POST, { body: { group_id: "new-grp", name: "New" } }, true],
    ["GET group", groupRoute.GET, { params: { group_id: "g1" } }, false],
    ["DELETE group", groupRoute.DELETE, { params: { group_id: "g1" }, method: "DELETE" }, true],
    ["POST members", membersRoute.POST, { params: { group_id: "g1" }, body: { device_ids: ["d2"] } }, true],
    ["DELETE member", memberRoute.DELETE, { params: { group_id: "g1", device_id: "d1" }, method: "DELETE" }, true],
  ];

  it("answers 401 on every route without credentials or with a forged token", async () => {
    for (const [name, handler, opts] of routes()) {
      for (const headers of [{}, { Authorization: "Bearer not.a.jwt" }]) {
        const res = await call(handler, { ...opts, headers });
        expect({ name, status: res.status, code: res.body.code, detail: typeof res.body.detail }).toEqual({
          name,
          status: 401,
          code: "unauthorized",
          detail: "string",
        });
      }
    }
  });

  it("lets a viewer read every GET but answers 403 on every mutation, changing nothing", async () => {
    const t = await createTestTenant(handle, "dg-roles");
    await seedDevices(t, [["d1"], ["d2"]]);
    await seedGroup(t, "g1", ["d1"]);
    for (const [name, handler, opts, mutates] of routes()) {
      const res = await as(t, "viewer", handler, opts);
      if (mutates)
        expect({ name, status: res.status, body: res.body }).toEqual({
          name,
          status: 403,
          body: { detail: expect.any(String), code: "forbidden" },
        });
      else expect({ name, status: res.status }).toEqual({ name, status: 200 });
    }
    expect(deviceIds((await as(t, "viewer", devicesRoute.GET)).body)).toEqual(["d1", "d2"]);
    expect((await as(t, "viewer", groupsRoute.GET)).body).toMatchObject({
      total: 1,
      groups: [{ group_id: "g1", member_count: 1 }],
    });
  });

  it.each(["operator", "admin"] as const)("lets an %s run every mutation", async (role) => {
    const t = await createTestTenant(handle, `dg-${role}`);
    expect((await as(t, role, devicesRoute.POST, { body: { device_id: "d1" } })).status).toBe(201);
    expect((await as(t, role, groupsRoute.POST, { body: { group_id: "g1", name: "G" } })).status).toBe(201);
    expect(
      (await as(t, role, membersRoute.POST, { params: { group_id: "g1" }, body: { device_ids: ["d1"] } })).status,
    ).toBe(200);
    expect((await del(t, memberRoute.DELETE, { group_id: "g1", device_id: "d1" }, role)).status).toBe(204);
    expect((await del(t, groupRoute.DELETE, { group_id: "g1" }, role)).status).toBe(204);
    expect((await del(t, deviceRoute.DELETE, { device_id: "d1" }, role)).status).toBe(204);
  });
});

describe("validation (422)", () => {
  const locs = (res: { status: number; body: any }) => {
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("validation_error");
    for (const issue of res.body.detail)
      expect(issue).toEqual({ loc: expect.any(Array), msg: expect.any(String), type: expect.any(String) });
    return res.body.detail.map((d: { loc: unknown[] }) => d.loc);
  };
  const badIds = ["", "has space", "a/b", "ü", "x".repeat(65), "semi;colon"];

  it("checks device_id and group_id in bodies, and accepts 64 allowed characters", async () => {
    const t = await createTestTenant(handle, "dg-422b");
    for (const id of badIds) {
      expect(locs(await as(t, "admin", devicesRoute.POST, { body: { device_id: id } }))).toEqual([
        ["body", "device_id"],
      ]);
      expect(locs(await as(t, "admin", groupsRoute.POST, { body: { group_id: id, name: "G" } }))).toEqual([
        ["body", "group_id"],
      ]);
    }
    const longId = `A.b_c-${"9".repeat(58)}`;
    expect((await as(t, "admin", devicesRoute.POST, { body: { device_id: longId } })).status).toBe(201);
    expect((await as(t, "admin", groupsRoute.POST, { body: { group_id: longId, name: "G" } })).status).toBe(201);
    expect(locs(await as(t, "admin", devicesRoute.POST, { body: {} }))).toEqual([["body", "device_id"]]);
    expect(locs(await as(t, "admin", groupsRoute.POST, { body: { group_id: "g" } }))).toEqual([["body", "name"]]);
    await seedGroup(t, "g");
    const members = (body: unknown) => as(t, "admin", membersRoute.POST, { params: { group_id: "g" }, body });
    expect(locs(await members({ device_ids: [] }))).toEqual([["body", "device_ids"]]);
    expect(locs(await members({}))).toEqual([["body", "device_ids"]]);
    expect(locs(await members({ device_ids: [longId, "bad id"] }))).toEqual([["body", "device_ids", 1]]);
  });

  it("checks device_id and group_id in every path", async () => {
    const t = await createTestTenant(handle, "dg-422p");
    for (const id of badIds.filter(Boolean)) {
      const cases: [Handler, Record<string, string>, string, string?][] = [
        [deviceRoute.GET, { device_id: id }, "device_id"],
        [deviceRoute.DELETE, { device_id: id }, "device_id", "DELETE"],
        [otaRoute.GET, { device_id: id }, "device_id"],
        [groupRoute.GET, { group_id: id }, "group_id"],
        [groupRoute.DELETE, { group_id: id }, "group_id", "DELETE"],
        [membersRoute.POST, { group_id: id }, "group_id", "POST"],
        [memberRoute.DELETE, { group_id: "g", device_id: id }, "device_id", "DELETE"],
        [memberRoute.DELETE, { group_id: id, device_id: "d" }, "group_id", "DELETE"],
      ];
      for (const [handler, params, field, method] of cases) {
        const body = method === "POST" ? { device_ids: ["d"] } : undefined;
        expect(locs(await as(t, "admin", handler, { params, method, body }))).toEqual([["path", field]]);
      }
    }
  });

  it("checks limit (1..200) and offset (>= 0) on every list, and the group_id filter", async () => {
    const t = await createTestTenant(handle, "dg-422q");
    await seedDevices(t, [["d1"]]);
    const lists: [Handler, CallOptions][] = [
      [devicesRoute.GET, {}],
      [groupsRoute.GET, {}],
      [otaRoute.GET, { params: { device_id: "d1" } }],
    ];
    for (const [handler, opts] of lists) {
      for (const limit of [0, 201, -1, "abc", 1.5])
        expect(locs(await as(t, "viewer", handler, { ...opts, query: { limit } }))).toEqual([["query", "limit"]]);
      for (const offset of [-1, "x"])
        expect(locs(await as(t, "viewer", handler, { ...opts, query: { offset } }))).toEqual([["query", "offset"]]);
      for (const limit of [1, 200])
        expect((await as(t, "viewer", handler, { ...opts, query: { limit } })).body.limit).toBe(limit);
    }
    expect(locs(await as(t, "viewer", devicesRoute.GET, { query: { group_id: "bad id" } }))).toEqual([
      ["query", "group_id"],
    ]);
  });
});

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
    expect(bare.body).toEqual({
      device_id: "dev-2",
      device_type: null,
      fw_version: null,
      last_seen_at: null,
      created_at: ISO,
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
    await handle.db
      .insert(otaDeviceStatus)
      .values([
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

describe("device groups", () => {
  it("creates a group (201, no members) and refuses a duplicate (409)", async () => {
    const t = await createTestTenant(handle, "dg-gcreate");
    const res = await as(t, "operator", groupsRoute.POST, {
      body: { group_id: "eu-west", name: "EU West", description: "Dublin fleet" },
    });
    expect(res).toMatchObject({
      status: 201,
      body: { group_id: "eu-west", name: "EU West", description: "Dublin fleet", member_count: 0, created_at: ISO },
    });
    expect(
      (await as(t, "operator", groupsRoute.POST, { body: { group_id: "bare", name: "Bare" } })).body.description,
    ).toBeNull();
    const dup = await as(t, "admin", groupsRoute.POST, { body: { group_id: "eu-west", name: "Again" } });
    expect(dup).toMatchObject({ status: 409, body: { detail: expect.stringContaining("eu-west"), code: "conflict" } });
    expect((await as(t, "viewer", groupRoute.GET, { params: { group_id: "eu-west" } })).body.name).toBe("EU West");
  });

  it("lists groups by group_id with a total over every page; gets one; 404 unknown", async () => {
    const t = await createTestTenant(handle, "dg-glist");
    for (const id of ["g-c", "g-a", "g-b"]) await seedGroup(t, id);
    const list = async (query: CallOptions["query"] = {}) => (await as(t, "viewer", groupsRoute.GET, { query })).body;
    const all = await list();
    expect({ ...all, groups: all.groups.map((g: { group_id: string }) => g.group_id) }).toEqual({
      groups: ["g-a", "g-b", "g-c"],
      total: 3,
      limit: 50,
      offset: 0,
    });
    expect(all.groups[0]).toEqual({
      group_id: "g-a",
      name: "Group g-a",
      description: null,
      member_count: 0,
      created_at: ISO,
    });
    expect(await list({ limit: 1, offset: 2 })).toMatchObject({
      total: 3,
      limit: 1,
      offset: 2,
      groups: [{ group_id: "g-c" }],
    });
    expect(await list({ offset: 3 })).toEqual({ groups: [], total: 3, limit: 50, offset: 3 });
    expect(await as(t, "viewer", groupRoute.GET, { params: { group_id: "g-a" } })).toMatchObject({
      status: 200,
      body: all.groups[0],
    });
    expect(await as(t, "viewer", groupRoute.GET, { params: { group_id: "ghost" } })).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
  });

  it("counts each group's own members (list, get, and the add-members answer)", async () => {
    const t = await createTestTenant(handle, "dg-gcount");
    await seedDevices(t, [["d1"], ["d2"], ["d3"], ["d4"]]);
    for (const [id, members] of [
      ["g-a", ["d1", "d2", "d3"]],
      ["g-b", []],
      ["g-c", ["d1"]],
    ] as const)
      await seedGroup(t, id, [...members]);
    const added = await as(t, "operator", membersRoute.POST, {
      params: { group_id: "g-b" },
      body: { device_ids: ["d4"] },
    });
    const listed = (await as(t, "viewer", groupsRoute.GET)).body.groups.map(
      (g: { group_id: string; member_count: number }) => [g.group_id, g.member_count],
    );
    const got = await Promise.all(["g-a", "g-b", "g-c"].map(async (id) => [id, await memberCount(t, id)]));
    // Several groups with different counts: a correlated subquery bound to the wrong table once counted 5 for each.
    expect({ added: added.body, listed, got }).toEqual({
      added: { group_id: "g-b", added: 1, member_count: 1 },
      listed: [
        ["g-a", 3],
        ["g-b", 1],
        ["g-c", 1],
      ],
      got: [
        ["g-a", 3],
        ["g-b", 1],
        ["g-c", 1],
      ],
    });
  });

  it("deletes a group (204, keeping its devices), refusing (409) only while an unfinished campaign targets it", async () => {
    const t = await createTestTenant(handle, "dg-gdel");
    await seedDevices(t, [["d1"]]);
    await seedGroup(t, "plain", ["d1"]);
    expect((await del(t, groupRoute.DELETE, { group_id: "plain" })).status).toBe(204);
    expect((await as(t, "viewer", deviceRoute.GET, { params: { device_id: "d1" } })).body.groups).toEqual([]);
    expect(await as(t, "viewer", groupRoute.GET, { params: { group_id: "plain" } })).toMatchObject({
      status: 404,
      body: NOT_FOUND,
    });
    expect(await del(t, groupRoute.DELETE, { group_id: "plain" })).toMatchObject({ status: 404, body: NOT_FOUND });
    for (const cs of CAMPAIGN_STATUSES) {
      const groupId = `target-${cs}`;
      await seedGroup(t, groupId, ["d1"]);
      await seedCampaign(t, groupId, cs);
      const res = await del(t, groupRoute.DELETE, { group_id: groupId });
      if (ACTIVE.includes(cs)) {
        expect({ cs, status: res.status, body: res.body }).toEqual({
          cs,
          status: 409,
          body: { detail: expect.any(String), code: "conflict" },
        });
        expect((await as(t, "viewer", devicesRoute.GET, { query: { group_id: groupId } })).body.total).toBe(1);
      } else expect({ cs, status: res.status }).toEqual({ cs, status: 204 });
    }
  });

  it("adds members in bulk: new ones counted, existing ones harmless, all or nothing on an unknown device", async () => {
    const t = await createTestTenant(handle, "dg-madd");
    await seedDevices(t, [["a"], ["b"], ["c"], ["d"]]);
    await seedGroup(t, "g");
    const add = (device_ids: string[], group_id = "g") =>
      as(t, "operator", membersRoute.POST, { params: { group_id }, body: { device_ids } });
    expect(await add(["a", "b"])).toMatchObject({ status: 200, body: { group_id: "g", added: 2, member_count: 2 } });
    expect((await add(["b", "c", "c"])).body).toEqual({ group_id: "g", added: 1, member_count: 3 });
    expect((await add(["a"])).body).toEqual({ group_id: "g", added: 0, member_count: 3 });
    const unknown = await add(["d", "ghost-1", "a", "ghost-2"]);
    expect(unknown).toMatchObject({
      status: 404,
      body: { code: "not_found", detail: expect.stringMatching(/ghost-1.*ghost-2/) },
    });
    expect(await memberCount(t, "g")).toBe(3);
    expect((await as(t, "viewer", deviceRoute.GET, { params: { device_id: "d" } })).body.groups).toEqual([]);
    expect(await add(["a"], "no-such-group")).toMatchObject({ status: 404, body: NOT_FOUND });
  });

  it("removes a member (204), then answers 404 for a non-member or an unknown group", async () => {
    const t = await createTestTenant(handle, "dg-mdel");
    await seedDevices(t, [["a"], ["b"], ["outsider"]]);
    await seedGroup(t, "g", ["a", "b"]);
    expect((await del(t, memberRoute.DELETE, { group_id: "g", device_id: "a" })).status).toBe(204);
    expect(await memberCount(t, "g")).toBe(1);
    expect((await as(t, "viewer", deviceRoute.GET, { params: { device_id: "a" } })).status).toBe(200);
    for (const params of [
      { group_id: "g", device_id: "a" },
      { group_id: "g", device_id: "outsider" },
      { group_id: "g", device_id: "ghost" },
      { group_id: "ghost", device_id: "b" },
    ]) {
      const res = await del(t, memberRoute.DELETE, params);
      expect({ params, status: res.status, body: res.body }).toEqual({ params, status: 404, body: NOT_FOUND });
    }
    expect(await memberCount(t, "g")).toBe(1);
  });
});

describe("tenant isolation", () => {
  it("answers B on A's device or group exactly as on an id that does not exist, and changes nothing of A's", async () => {
    const [a, b] = [await createTestTenant(handle, "dg-xa"), await createTestTenant(handle, "dg-xb")];
    await seedDevices(a, [["a-dev"]]);
    await seedGroup(a, "a-grp", ["a-dev"]);
    await seedDevices(b, [["b-dev"]]);
    await seedGroup(b, "b-grp");
    await handle.db
      .insert(otaDeviceStatus)
      .values({
        tenantId: a.tenantId,
        campaignId: (await seedCampaign(a, "a-grp", "COMPLETED")).id,
        deviceId: "a-dev",
        status: "SUCCESS",
      });
    const probes: [string, string, (id: string) => Promise<{ status: number; body: unknown }>][] = [
      ["GET device", "a-dev", (id) => as(b, "admin", deviceRoute.GET, { params: { device_id: id } })],
      ["GET device ota", "a-dev", (id) => as(b, "admin", otaRoute.GET, { params: { device_id: id } })],
      ["DELETE device", "a-dev", (id) => del(b, deviceRoute.DELETE, { device_id: id }, "admin")],
      ["GET group", "a-grp", (id) => as(b, "admin", groupRoute.GET, { params: { group_id: id } })],
      [
        "POST members",
        "a-grp",
        (id) => as(b, "admin", membersRoute.POST, { params: { group_id: id }, body: { device_ids: ["b-dev"] } }),
      ],
      [
        "DELETE member (A's group)",
        "a-grp",
        (id) => del(b, memberRoute.DELETE, { group_id: id, device_id: "a-dev" }, "admin"),
      ],
      [
        "DELETE member (B's group, A's device)",
        "a-dev",
        (id) => del(b, memberRoute.DELETE, { group_id: "b-grp", device_id: id }, "admin"),
      ],
      ["DELETE group", "a-grp", (id) => del(b, groupRoute.DELETE, { group_id: id }, "admin")],
    ];
    for (const [name, aId, probe] of probes) {
      const [theirs, missing] = [await probe(aId), await probe("does-not-exist")];
      expect({ name, status: theirs.status, body: theirs.body }).toEqual({ name, status: 404, body: missing.body });
      expect(missing).toMatchObject({ status: 404, body: NOT_FOUND });
    }
    // A's data is untouched.
    expect((await as(a, "viewer", deviceRoute.GET, { params: { device_id: "a-dev" } })).body.groups).toEqual([
      { group_id: "a-grp", name: "Group a-grp" },
    ]);
    expect((await as(a, "viewer", otaRoute.GET, { params: { device_id: "a-dev" } })).body.total).toBe(1);
  });

  it("does not let B add A's device to B's group, nor show B any of A's rows", async () => {
    const [a, b] = [await createTestTenant(handle, "dg-xa"), await createTestTenant(handle, "dg-xb")];
    await seedDevices(a, [
      ["a-dev", "sensor", "1.0"],
      ["shared-id", "sensor", "1.0"],
    ]);
    await seedGroup(a, "a-grp", ["a-dev", "shared-id"]);
    await seedGroup(b, "b-grp");
    const add = await as(b, "operator", membersRoute.POST, {
      params: { group_id: "b-grp" },
      body: { device_ids: ["a-dev"] },
    });
    expect(add).toMatchObject({ status: 404, body: { code: "not_found", detail: expect.stringContaining("a-dev") } });
    expect(await memberCount(b, "b-grp")).toBe(0);
    // Ids are per tenant: B may register its own "shared-id" (no 409 that would reveal A's).
    expect((await as(b, "operator", devicesRoute.POST, { body: { device_id: "shared-id" } })).status).toBe(201);
    expect((await as(b, "operator", groupsRoute.POST, { body: { group_id: "a-grp", name: "B's own" } })).status).toBe(
      201,
    );
    for (const [query, ids] of [
      [{}, ["shared-id"]],
      [{ device_type: "sensor" }, []],
      [{ group_id: "a-grp" }, []],
    ] as const) {
      const body = (await as(b, "viewer", devicesRoute.GET, { query })).body;
      expect({ query, ids: deviceIds(body), total: body.total }).toEqual({ query, ids, total: ids.length });
    }
    const groups = [
      { group_id: "a-grp", name: "B's own", member_count: 0 },
      { group_id: "b-grp", member_count: 0 },
    ];
    expect((await as(b, "viewer", groupsRoute.GET)).body).toMatchObject({ total: 2, groups });
    expect(await memberCount(a, "a-grp")).toBe(2);
    expect((await as(a, "viewer", devicesRoute.GET)).body.total).toBe(2);
  });
});
