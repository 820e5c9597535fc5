/**
 * A campaign after its creation, through the API: start, pause and abort by the state
 * machine (and under a race), ids of other tenants, and listing campaigns and their devices.
 */
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import * as list from "@/app/customer/ota/campaigns/route";
import * as one from "@/app/customer/ota/campaigns/[id]/route";
import * as start from "@/app/customer/ota/campaigns/[id]/start/route";
import * as pause from "@/app/customer/ota/campaigns/[id]/pause/route";
import * as abort from "@/app/customer/ota/campaigns/[id]/abort/route";
import * as devicesOf from "@/app/customer/ota/campaigns/[id]/devices/route";
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

describe("lifecycle: start, pause, abort", () => {
  it("follows the state machine, with the messages of docs/api.md for illegal moves", async () => {
    const c = (await create(a, { name: "Lifecycle" })).body;
    expect((await act(a, pause.POST, c.id)).body).toEqual({
      detail: "Cannot pause campaign in status CREATED",
      code: "invalid_transition",
    });
    expect(await act(a, start.POST, c.id)).toMatchObject({ status: 200, body: { id: c.id, status: "RUNNING" } });
    expect((await act(a, start.POST, c.id)).body.detail).toBe("Cannot start campaign in status RUNNING");
    // tick_interval_ms says what rollout_rate means in time (devices per tick).
    expect((await act(a, pause.POST, c.id)).body).toEqual({ id: c.id, status: "PAUSED", tick_interval_ms: 10_000 });
    expect((await act(a, start.POST, c.id)).body).toEqual({ id: c.id, status: "RUNNING", tick_interval_ms: 10_000 });
    const got = await call(one.GET, { headers: await authAs(a.t, "viewer"), params: { id: String(c.id) } });
    expect(got.body.started_at).not.toBeNull();

    expect((await act(a, abort.POST, c.id)).body).toEqual({ id: c.id, status: "ABORTED", tick_interval_ms: 10_000 });
    const after = await call(one.GET, { headers: await authAs(a.t), params: { id: String(c.id) } });
    expect(after.body.abort_reason).toBe(`Aborted by operator ${a.t.users.operator.email}`);
    expect(after.body.status_breakdown).toMatchObject({ PENDING: 0, SKIPPED: 12 });
    expect(after.body.completed_at).not.toBeNull();
    for (const h of [start.POST, pause.POST, abort.POST]) {
      const res = await act(a, h, c.id);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("invalid_transition");
    }
    expect((await act(a, abort.POST, c.id)).body.detail).toBe("Campaign already in terminal status ABORTED");
  });

  it("lets only one of two concurrent starts succeed", async () => {
    const c = (await create(a, { name: "Race" })).body;
    const results = await Promise.all([act(a, start.POST, c.id), act(a, start.POST, c.id), act(a, abort.POST, c.id)]);
    const ok = results.filter((r) => r.status === 200).map((r) => r.body.status);
    // Either one start won and the abort followed it, or the abort came first and both starts failed.
    expect(ok.filter((s) => s === "RUNNING").length).toBeLessThanOrEqual(1);
    expect(ok).toContain("ABORTED");
  });

  it("answers 404 for unknown and other tenants' ids, 422 for ids that are not positive integers, 403 for viewers", async () => {
    const c = (await create(b, { name: "B's" })).body;
    for (const h of [start.POST, pause.POST, abort.POST]) {
      const other = await act(a, h, c.id);
      const missing = await act(a, h, 2_000_000_000);
      expect(other).toMatchObject({ status: 404, body: { detail: "Campaign not found", code: "not_found" } });
      expect(other.body).toEqual(missing.body);
      for (const bad of ["abc", "0", "-3", "1.5", "99999999999"]) expect((await act(a, h, bad)).status).toBe(422);
      expect((await act(b, h, c.id, "viewer")).status).toBe(403);
    }
    expect((await call(one.GET, { headers: await authAs(a.t), params: { id: String(c.id) } })).status).toBe(404);
    expect((await call(devicesOf.GET, { headers: await authAs(a.t), params: { id: String(c.id) } })).status).toBe(404);
    await act(b, abort.POST, c.id);
  });
});

describe("listing", () => {
  it("lists newest first with a total of every match, a breakdown on each item, and a case-insensitive status filter", async () => {
    const f = await fleet(handle, "camp-list");
    const ids: number[] = [];
    for (const name of ["first", "second", "third"]) {
      const c = await create(f, { name });
      ids.push(c.body.id);
      await act(f, abort.POST, c.body.id);
    }
    const page = await call(list.GET, { headers: await authAs(f.t, "viewer"), query: { limit: 2 } });
    expect(page.body.total).toBe(3);
    expect(page.body.campaigns.map((c: { name: string }) => c.name)).toEqual(["third", "second"]);
    expect(page.body.campaigns[0].status_breakdown).toEqual({
      PENDING: 0,
      DOWNLOADING: 0,
      INSTALLING: 0,
      SUCCESS: 0,
      FAILED: 0,
      SKIPPED: 12,
    });
    const rest = await call(list.GET, { headers: await authAs(f.t), query: { limit: 2, offset: 2 } });
    expect(rest.body.campaigns.map((c: { name: string }) => c.name)).toEqual(["first"]);
    expect((await call(list.GET, { headers: await authAs(f.t), query: { status: "aborted" } })).body.total).toBe(3);
    expect((await call(list.GET, { headers: await authAs(f.t), query: { status: "RUNNING" } })).body.total).toBe(0);
    const bad = await call(list.GET, { headers: await authAs(f.t), query: { status: "SUCCEEDED" } });
    expect(bad.status).toBe(422);
    expect(bad.body.detail[0].loc).toEqual(["query", "status"]);
    for (const q of [{ limit: 0 }, { limit: 201 }, { offset: -1 }, { limit: "ten" }]) {
      expect((await call(list.GET, { headers: await authAs(f.t), query: q })).status).toBe(422);
    }
  });

  it("pages campaign devices by (created_at, id) without overlap, with a total of every match", async () => {
    const c = (await create(a, { name: "Paging", firmware_version_id: a.anyTypeFw })).body;
    const seen: string[] = [];
    for (let offset = 0; offset < 12; offset += 5) {
      const page = await call(devicesOf.GET, {
        headers: await authAs(a.t),
        params: { id: String(c.id) },
        query: { limit: 5, offset },
      });
      expect(page.body).toMatchObject({ campaign_id: c.id, total: 12, limit: 5, offset });
      seen.push(...page.body.devices.map((d: { device_id: string }) => d.device_id));
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    const pending = await call(devicesOf.GET, {
      headers: await authAs(a.t),
      params: { id: String(c.id) },
      query: { status: "PENDING", limit: 1 },
    });
    expect(pending.body.total).toBe(12);
    expect(Object.keys(pending.body.devices[0]).sort()).toEqual([
      "canary",
      "completed_at",
      "created_at",
      "device_id",
      "dispatch_count",
      "error_message",
      "last_report_at",
      "probe_count",
      "probed_at",
      "progress_pct",
      "started_at",
      "status",
    ]);
    expect(
      (
        await call(devicesOf.GET, {
          headers: await authAs(a.t),
          params: { id: String(c.id) },
          query: { status: "DONE" },
        })
      ).status,
    ).toBe(422);
    await act(a, abort.POST, c.id);
  });
});
