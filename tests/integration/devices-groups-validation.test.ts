/**
 * The device and group API's validation: 422 at the field for bad identifiers in bodies
 * and paths, and for bad paging and filters on every list.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as devicesRoute from "@/app/customer/devices/route";
import * as deviceRoute from "@/app/customer/devices/[device_id]/route";
import * as otaRoute from "@/app/customer/devices/[device_id]/ota/route";
import * as groupsRoute from "@/app/customer/device-groups/route";
import * as groupRoute from "@/app/customer/device-groups/[group_id]/route";
import * as membersRoute from "@/app/customer/device-groups/[group_id]/members/route";
import * as memberRoute from "@/app/customer/device-groups/[group_id]/members/[device_id]/route";
import type { CallOptions, CallResult, Handler } from "../support/api";
import { createTestTenant, testDb } from "../support/db";
import { as, seeders } from "../support/devices-groups";

const handle = testDb();
afterAll(() => handle.close());
const { seedDevices, seedGroup } = seeders(handle);

describe("validation (422)", () => {
  const locs = (res: CallResult) => {
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
