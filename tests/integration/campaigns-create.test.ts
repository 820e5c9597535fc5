/**
 * Creating campaigns through the API (POST /customer/ota/campaigns): the rows made in one
 * go with the reasons for skipped devices, the guards and their messages, validation, the
 * dry-run preview, and the canary wave.
 */
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import * as list from "@/app/customer/ota/campaigns/route";
import * as abort from "@/app/customer/ota/campaigns/[id]/abort/route";
import * as devicesOf from "@/app/customer/ota/campaigns/[id]/devices/route";
import * as preview from "@/app/customer/ota/campaigns/preview/route";
import { authAs, call } from "../support/api";
import { act, create, fleet, type Fleet } from "../support/campaigns";
import { testDb } from "../support/db";

const handle = testDb();
afterAll(() => handle.close());

let a: Fleet;
let b: Fleet;
beforeAll(async () => {
  a = await fleet(handle, "camp-a");
  b = await fleet(handle, "camp-b");
});

describe("POST /customer/ota/campaigns", () => {
  it("creates every row in one go, skipping ineligible members with the reason", async () => {
    const res = await create(a, { name: "Guarded", rollout_rate: 5, abort_threshold: 0.2 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Guarded",
      status: "CREATED",
      rollout_strategy: "linear",
      rollout_rate: 5,
      abort_threshold: 0.2,
      total_devices: 12,
      succeeded: 0,
      failed: 0,
      target_group_id: "all",
      firmware_version: "2.0.0",
      firmware_device_type: "sensor",
      firmware_checksum: "ab".repeat(32),
      created_by: a.t.users.operator.email,
      status_breakdown: { PENDING: 10, DOWNLOADING: 0, INSTALLING: 0, SUCCESS: 0, FAILED: 0, SKIPPED: 2 },
      // The rollout engine's fields, with their defaults.
      eligible_devices: 10,
      phase: "rollout",
      canary_percent: 5,
      canary_size: 0,
      abort_min_devices: 10,
      abort_reason: null,
      device_timeout_seconds: 1800,
      max_in_flight: null,
      tick_interval_ms: 10_000,
    });
    const skipped = await call(devicesOf.GET, {
      headers: await authAs(a.t),
      params: { id: String(res.body.id) },
      query: { status: "skipped" },
    });
    expect(
      skipped.body.devices.map((d: { device_id: string; error_message: string }) => [d.device_id, d.error_message]),
    ).toEqual([
      ["dev-01", "incompatible device type"],
      ["dev-02", "already up to date"],
    ]);

    // A second campaign on the same devices: those PENDING in the first (still CREATED) are
    // busy; dev-01 (skipped there as a gateway) and dev-02 (skipped as up to date on 2.0.0)
    // are free, and fit firmware 3.0.0, which names no device type.
    const second = await create(a, { name: "Overlap", firmware_version_id: a.anyTypeFw });
    expect(second.status).toBe(201);
    expect(second.body.status_breakdown).toMatchObject({ PENDING: 2, SKIPPED: 10 });
    const busy = await call(devicesOf.GET, {
      headers: await authAs(a.t),
      params: { id: String(second.body.id) },
      query: { status: "SKIPPED", limit: 1, offset: 5 },
    });
    expect(busy.body.devices[0].error_message).toBe(`in active campaign ${res.body.id}`);
    // Nothing left to update for the original firmware while both are active.
    expect((await create(a, { name: "Nothing left" })).body).toEqual({
      detail: "No eligible devices in group",
      code: "bad_request",
    });

    await act(a, abort.POST, res.body.id);
    await act(a, abort.POST, second.body.id);
    const third = await create(a, { name: "After abort", firmware_version_id: a.anyTypeFw });
    expect(third.status).toBe(201);
    expect(third.body.status_breakdown).toMatchObject({ PENDING: 12, SKIPPED: 0 });
    await act(a, abort.POST, third.body.id);
  });

  it("guards firmware, group and membership with the messages of docs/api.md, and creates nothing", async () => {
    const before = await call(list.GET, { headers: await authAs(a.t) });
    const cases: [Record<string, unknown>, number, string][] = [
      [{ firmware_version_id: 999_999 }, 404, "Firmware version not found"],
      [{ firmware_version_id: b.fw }, 404, "Firmware version not found"],
      [{ target_group_id: "nope" }, 404, "Device group not found"],
      [{ target_group_id: "empty" }, 400, "Device group has no members"],
      [{ firmware_version_id: a.noChecksumFw }, 400, "Firmware has no checksum"],
      [{ target_group_id: "odd" }, 400, "No eligible devices in group"],
    ];
    for (const [body, status, detail] of cases) {
      const res = await create(a, body);
      expect({ body, status: res.status, detail: res.body.detail }).toEqual({ body, status, detail });
    }
    const after = await call(list.GET, { headers: await authAs(a.t) });
    expect(after.body.total).toBe(before.body.total);
  });

  it("answers 422 at the field for invalid values", async () => {
    const res = await create(a, {
      rollout_rate: 0,
      abort_threshold: 1.5,
      rollout_strategy: "yolo",
      target_group_id: "a/b",
    });
    expect(res.status).toBe(422);
    const locs = res.body.detail.map((d: { loc: string[] }) => d.loc.join("."));
    expect(locs).toEqual(
      expect.arrayContaining([
        "body.rollout_rate",
        "body.abort_threshold",
        "body.rollout_strategy",
        "body.target_group_id",
      ]),
    );
  });

  it("is refused to viewers and to anonymous callers", async () => {
    expect((await create(a, {}, "viewer")).status).toBe(403);
    expect((await call(list.POST, { body: { name: "x" } })).status).toBe(401);
  });
});

describe("POST /customer/ota/campaigns/preview", () => {
  it("says what creation would do, with the same checks, and creates nothing", async () => {
    const f = await fleet(handle, "camp-preview");
    const before = (await call(list.GET, { headers: await authAs(f.t) })).body.total;
    const ask = async (body: Record<string, unknown>, role: "operator" | "viewer" = "viewer") =>
      call(preview.POST, {
        headers: await authAs(f.t, role),
        body: { firmware_version_id: f.fw, target_group_id: "all", ...body },
      });
    const res = await ask({ rollout_strategy: "canary", canary_percent: 25 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      total_devices: 12,
      eligible_devices: 10,
      skipped: { "already up to date": 1, "incompatible device type": 1 },
      canary_size: 3,
      tick_interval_ms: 10_000,
    });
    expect((await call(list.GET, { headers: await authAs(f.t) })).body.total).toBe(before);
    // Devices of an active campaign show up as busy.
    const c = await create(f, { name: "Busy" });
    expect((await ask({})).body).toMatchObject({
      eligible_devices: 0,
      skipped: { [`in active campaign ${c.body.id}`]: 10 },
    });
    await act(f, abort.POST, c.body.id);
    expect((await ask({ target_group_id: "nope" })).status).toBe(404);
    expect((await ask({ target_group_id: "empty" })).body.detail).toBe("Device group has no members");
    expect((await ask({ firmware_version_id: f.noChecksumFw })).body.detail).toBe("Firmware has no checksum");
    const bad = await ask({ canary_percent: 80 });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(["body", "canary_percent"]);
  });
});

describe("canary campaigns", () => {
  it("flag the first ceil(eligible × canary_percent / 100) eligible devices, in device-id order, as the canary wave", async () => {
    const f = await fleet(handle, "camp-canary");
    const res = await create(f, {
      name: "Canary",
      rollout_strategy: "canary",
      canary_percent: 25,
      max_in_flight: 4,
      abort_min_devices: 3,
      device_timeout_seconds: 60,
    });
    expect(res.status).toBe(201);
    // 10 eligible × 25% = 2.5 → 3 canary devices.
    expect(res.body).toMatchObject({
      phase: "canary",
      canary_percent: 25,
      canary_size: 3,
      eligible_devices: 10,
      max_in_flight: 4,
      abort_min_devices: 3,
      device_timeout_seconds: 60,
    });
    const rows = await call(devicesOf.GET, {
      headers: await authAs(f.t),
      params: { id: String(res.body.id) },
      query: { status: "pending" },
    });
    const canary = rows.body.devices
      .filter((d: { canary: boolean }) => d.canary)
      .map((d: { device_id: string }) => d.device_id);
    const eligible = rows.body.devices.map((d: { device_id: string }) => d.device_id).sort();
    expect(canary).toEqual(eligible.slice(0, 3));
    await act(f, abort.POST, res.body.id);
    // At least one canary device, however small the share.
    const tiny = await create(f, { name: "Tiny canary", rollout_strategy: "canary", canary_percent: 1 });
    expect(tiny.body.canary_size).toBe(1);
    await act(f, abort.POST, tiny.body.id);
  });

  it("rejects engine fields out of range with the field named", async () => {
    for (const [field, value] of [
      ["canary_percent", 0],
      ["canary_percent", 51],
      ["abort_min_devices", 0],
      ["device_timeout_seconds", 0],
      ["max_in_flight", 0],
      ["max_in_flight", 1.5],
    ] as const) {
      const res = await create(a, { name: "Bad", [field]: value });
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(["body", field]);
    }
  });
});
