import { describe, expect, it } from "vitest";
import { isPostgresClosedSocketWrite } from "@/lib/db/client";
import { reduceReports } from "@/lib/rollout/ingest";
import { decide, type CampaignCounters } from "@/lib/rollout/lifecycle";
import { parseStatusMessage, type StatusReport } from "@/lib/rollout/protocol";

const running = (over: Partial<CampaignCounters>): CampaignCounters => ({
  id: 1,
  tenant_id: "t",
  phase: "rollout",
  abort_threshold: 0.1,
  abort_min_devices: 10,
  eligible_devices: 100,
  canary_size: 0,
  pending: 0,
  downloading: 0,
  installing: 0,
  succeeded: 0,
  failed: 0,
  ...over,
});

describe("decide", () => {
  it("does not abort on failures below the minimum sample, however high the rate", () => {
    expect(decide(running({ failed: 9, pending: 91 }))).toEqual({ action: "none" });
    expect(decide(running({ failed: 10, pending: 90 })).action).toBe("abort");
  });

  it("aborts only strictly above the threshold", () => {
    expect(decide(running({ failed: 1, succeeded: 9, pending: 90 }))).toEqual({ action: "none" });
    const d = decide(running({ failed: 2, succeeded: 8, pending: 90 }));
    expect(d).toEqual({
      action: "abort",
      reason:
        "Failure threshold exceeded: 2 of 10 finished devices failed (20.0% > 10.0% threshold, minimum sample 10)",
    });
  });

  it("caps the minimum sample at the number of eligible devices", () => {
    expect(decide(running({ eligible_devices: 3, failed: 2, succeeded: 1 })).action).toBe("abort");
  });

  it("prefers abort to completion when the last devices push the rate over", () => {
    expect(decide(running({ eligible_devices: 10, failed: 5, succeeded: 5 })).action).toBe("abort");
    expect(decide(running({ eligible_devices: 10, failed: 1, succeeded: 9 }))).toEqual({ action: "complete" });
  });

  it("waits for the whole canary wave, then judges it without a minimum sample", () => {
    const canary = { phase: "canary" as const, canary_size: 5, eligible_devices: 100 };
    // 3 dispatched of 5: keep going.
    expect(decide(running({ ...canary, pending: 97, succeeded: 3 }))).toEqual({ action: "none" });
    // All 5 dispatched, one still in flight: wait.
    expect(decide(running({ ...canary, pending: 95, succeeded: 4, downloading: 1 }))).toEqual({ action: "none" });
    expect(decide(running({ ...canary, pending: 95, succeeded: 5 }))).toEqual({ action: "promote" });
    expect(decide(running({ ...canary, pending: 95, succeeded: 4, failed: 1 }))).toEqual({
      action: "abort",
      reason: "Canary failed: 1 of 5 canary devices failed (20.0% > 10.0% threshold)",
    });
  });

  it("never aborts with a threshold of 1, and always with 0 once a device fails past the sample", () => {
    expect(decide(running({ abort_threshold: 1, failed: 100 })).action).toBe("complete");
    expect(decide(running({ abort_threshold: 0, abort_min_devices: 1, failed: 1, pending: 99 })).action).toBe("abort");
  });
});

const report = (over: Partial<StatusReport>): StatusReport => ({
  tenantId: "t",
  deviceId: "d",
  campaignId: 1,
  status: "DOWNLOADING",
  progress: 0,
  error: null,
  version: null,
  ...over,
});

describe("reduceReports", () => {
  it("keeps, per device and campaign, the report that moves it furthest", () => {
    const { kept, merged } = reduceReports([
      report({ progress: 10 }),
      report({ status: "INSTALLING", progress: 5 }),
      report({ progress: 90 }),
      report({ deviceId: "e", progress: 30 }),
      report({ deviceId: "e", progress: 20 }),
      report({ campaignId: 2, status: "FAILED" }),
    ]);
    expect(kept).toEqual([
      report({ status: "INSTALLING", progress: 5 }),
      report({ deviceId: "e", progress: 30 }),
      report({ campaignId: 2, status: "FAILED" }),
    ]);
    expect(merged).toBe(3);
  });

  it("keeps the first terminal report: a terminal state never changes", () => {
    const { kept } = reduceReports([
      report({ status: "SUCCESS", version: "2" }),
      report({ status: "FAILED", error: "late" }),
    ]);
    expect(kept).toEqual([report({ status: "SUCCESS", version: "2" })]);
  });

  it("keeps tenants apart even for equal device ids", () => {
    expect(reduceReports([report({ tenantId: "a" }), report({ tenantId: "b" })]).kept).toHaveLength(2);
  });
});

describe("parseStatusMessage", () => {
  const topic = "tenant/acme/device/dev-1/ota/status";
  const parse = (payload: unknown, t = topic) =>
    parseStatusMessage(t, typeof payload === "string" ? payload : JSON.stringify(payload));

  it("takes docs/device-protocol.md's payload, case-insensitive, and clamps progress", () => {
    expect(parse({ campaign_id: 7, status: "downloading", progress: 150.7 })).toEqual({
      ok: true,
      report: {
        tenantId: "acme",
        deviceId: "dev-1",
        campaignId: 7,
        status: "DOWNLOADING",
        progress: 100,
        error: null,
        version: null,
      },
    });
    expect(parse({ campaign_id: "7", status: "Success", version: "2.0", progress: -4 })).toMatchObject({
      ok: true,
      report: { campaignId: 7, status: "SUCCESS", progress: 0, version: "2.0" },
    });
  });

  it("drops bad topics and bad payloads with the reason, without throwing", () => {
    for (const t of [
      "tenant/acme/device/dev-1/ota",
      "tenant//device/d/ota/status",
      "tenant/a b/device/d/ota/status",
      "x/acme/device/d/ota/status",
    ]) {
      expect(parse({ campaign_id: 1, status: "SUCCESS" }, t)).toEqual({ ok: false, reason: "bad topic" });
    }
    for (const p of [
      "",
      "nope",
      "null",
      "[]",
      { status: "SUCCESS" },
      { campaign_id: 0, status: "SUCCESS" },
      { campaign_id: 1, status: "DONE" },
      { campaign_id: 1.5, status: "FAILED" },
      { campaign_id: 1, status: "FAILED", progress: "x" },
      "x".repeat(5000),
    ]) {
      expect(parse(p)).toEqual({ ok: false, reason: "bad payload" });
    }
  });

  it("trims what it stores: errors to 1000 characters, NULs removed", () => {
    const r = parse({ campaign_id: 1, status: "FAILED", error: `a\u0000${"b".repeat(2000)}` });
    expect(r.ok && r.report.error).toBe(`a${"b".repeat(999)}`);
  });
});

describe("isPostgresClosedSocketWrite", () => {
  it("recognises only postgres.js's write on a closed socket", () => {
    const err = new TypeError("Cannot read properties of null (reading 'write')");
    err.stack = `${err.message}\n    at Immediate.nextWrite (/app/node_modules/postgres/src/connection.js:255:22)\n    at process.processImmediate (node:internal/timers:485:21)`;
    expect(isPostgresClosedSocketWrite(err)).toBe(true);
    const elsewhere = new TypeError("Cannot read properties of null (reading 'write')");
    elsewhere.stack = `${elsewhere.message}\n    at Object.write (/app/lib/thing.ts:1:1)`;
    expect(isPostgresClosedSocketWrite(elsewhere)).toBe(false);
    expect(isPostgresClosedSocketWrite(new Error("boom"))).toBe(false);
    expect(isPostgresClosedSocketWrite("reading 'write'")).toBe(false);
  });
});
