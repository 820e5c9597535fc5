/**
 * The device and group API's doors: 401 without credentials, the role table (a viewer
 * reads, an operator or admin changes), and tenant isolation (another tenant's ids answer
 * exactly like ids that do not exist, and nothing of theirs changes).
 */
import { afterAll, describe, expect, it } from "vitest";
import * as devicesRoute from "@/app/customer/devices/route";
import * as deviceRoute from "@/app/customer/devices/[device_id]/route";
import * as otaRoute from "@/app/customer/devices/[device_id]/ota/route";
import * as groupsRoute from "@/app/customer/device-groups/route";
import * as groupRoute from "@/app/customer/device-groups/[group_id]/route";
import * as membersRoute from "@/app/customer/device-groups/[group_id]/members/route";
import * as memberRoute from "@/app/customer/device-groups/[group_id]/members/[device_id]/route";
import { otaDeviceStatus } from "@/lib/db/schema";
import { call, type CallOptions, type Handler } from "../support/api";
import { createTestTenant, testDb } from "../support/db";
import { as, del, deviceIds, memberCount, NOT_FOUND, seeders } from "../support/devices-groups";

const handle = testDb();
afterAll(() => handle.close());
const { seedDevices, seedGroup, seedCampaign } = seeders(handle);

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

describe("tenant isolation", () => {
  it("answers B on A's device or group exactly as on an id that does not exist, and changes nothing of A's", async () => {
    const [a, b] = [await createTestTenant(handle, "dg-xa"), await createTestTenant(handle, "dg-xb")];
    await seedDevices(a, [["a-dev"]]);
    await seedGroup(a, "a-grp", ["a-dev"]);
    await seedDevices(b, [["b-dev"]]);
    await seedGroup(b, "b-grp");
    await handle.db.insert(otaDeviceStatus).values({
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
