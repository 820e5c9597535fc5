/**
 * The device group API (/customer/device-groups…): create, list, get, member counts,
 * delete with its campaign guard, and adding and removing members.
 */
import { afterAll, describe, expect, it } from "vitest";
import * as devicesRoute from "@/app/customer/devices/route";
import * as deviceRoute from "@/app/customer/devices/[device_id]/route";
import * as groupsRoute from "@/app/customer/device-groups/route";
import * as groupRoute from "@/app/customer/device-groups/[group_id]/route";
import * as membersRoute from "@/app/customer/device-groups/[group_id]/members/route";
import * as memberRoute from "@/app/customer/device-groups/[group_id]/members/[device_id]/route";
import { CAMPAIGN_STATUSES } from "@/lib/db/schema/campaigns";
import { type CallOptions } from "../support/api";
import { createTestTenant, testDb } from "../support/db";
import { ACTIVE, as, del, ISO, memberCount, NOT_FOUND, seeders } from "../support/devices-groups";

const handle = testDb();
afterAll(() => handle.close());
const { seedDevices, seedGroup, seedCampaign } = seeders(handle);

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
