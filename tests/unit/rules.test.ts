import { describe, expect, it } from "vitest";
import { CANARY_PERCENT, canarySize } from "@/lib/rules/canary";
import { IDENTIFIER, IDENTIFIER_PATTERN, isIdentifier } from "@/lib/rules/identifiers";
import { sqlLiterals } from "@/lib/rules/sql";
import {
  ACTIVE_DEVICE_STATUSES,
  CAMPAIGN_STATUSES,
  DEVICE_STATUSES,
  FINAL_CAMPAIGN_STATUSES,
  FINAL_DEVICE_STATUSES,
  FINAL_RANK,
  LIVE_CAMPAIGN_STATUSES,
  LIVE_DEVICE_STATUSES,
  OPEN_CAMPAIGN_STATUSES,
  REPORT_STATUSES,
  STATUS_COUNTER,
  STATUS_RANK,
  isActiveDevice,
  isFinalDevice,
  isOpenCampaign,
  isReportStatus,
  movesForward,
  type DeviceStatus,
} from "@/lib/rules/statuses";

const sorted = (xs: readonly string[]) => [...xs].sort();

describe("status groups", () => {
  it("split the device statuses: active and final are disjoint and cover them all", () => {
    expect(sorted([...ACTIVE_DEVICE_STATUSES, ...FINAL_DEVICE_STATUSES])).toEqual(sorted(DEVICE_STATUSES));
    expect(ACTIVE_DEVICE_STATUSES.filter((s) => isFinalDevice(s))).toEqual([]);
    expect(LIVE_DEVICE_STATUSES.every((s) => isActiveDevice(s))).toBe(true);
    expect(isActiveDevice("PENDING")).toBe(true);
  });

  it("split the campaign statuses: open and final are disjoint and cover them all", () => {
    expect(sorted([...OPEN_CAMPAIGN_STATUSES, ...FINAL_CAMPAIGN_STATUSES])).toEqual(sorted(CAMPAIGN_STATUSES));
    expect(LIVE_CAMPAIGN_STATUSES.every((s) => isOpenCampaign(s))).toBe(true);
    expect(isOpenCampaign("CREATED")).toBe(true);
    expect(isOpenCampaign("COMPLETED")).toBe(false);
    expect(isOpenCampaign(null)).toBe(false);
  });

  it("reports never carry PENDING or SKIPPED", () => {
    expect(REPORT_STATUSES.filter((s) => !isReportStatus(s))).toEqual([]);
    expect(isReportStatus("PENDING")).toBe(false);
    expect(isReportStatus("SKIPPED")).toBe(false);
    expect(isReportStatus("success")).toBe(false);
  });
});

describe("STATUS_RANK and movesForward", () => {
  it("rank the statuses in the order a device goes through them, final ones on top", () => {
    expect(["PENDING", "DOWNLOADING", "INSTALLING"].map((s) => STATUS_RANK[s as DeviceStatus])).toEqual([0, 1, 2]);
    for (const s of DEVICE_STATUSES) expect(STATUS_RANK[s] === FINAL_RANK).toBe(isFinalDevice(s));
  });

  it("move forward to a higher rank, or to more progress within a live status, never out of a final one", () => {
    const at = (status: DeviceStatus, progress = 0) => ({ status, progress });
    expect(movesForward(at("PENDING"), at("DOWNLOADING"))).toBe(true);
    expect(movesForward(at("DOWNLOADING", 90), at("INSTALLING", 0))).toBe(true);
    expect(movesForward(at("DOWNLOADING", 40), at("DOWNLOADING", 60))).toBe(true);
    expect(movesForward(at("DOWNLOADING", 60), at("DOWNLOADING", 60))).toBe(false);
    expect(movesForward(at("INSTALLING"), at("DOWNLOADING", 100))).toBe(false);
    for (const a of FINAL_DEVICE_STATUSES)
      for (const b of DEVICE_STATUSES) expect(movesForward(at(a, 0), at(b, 100))).toBe(false);
  });
});

describe("STATUS_COUNTER", () => {
  it("gives every status its own counter column", () => {
    expect(new Set(Object.values(STATUS_COUNTER)).size).toBe(DEVICE_STATUSES.length);
    expect(sorted(Object.keys(STATUS_COUNTER))).toEqual(sorted(DEVICE_STATUSES));
  });
});

describe("canarySize", () => {
  it("is ceil(eligible × percent / 100), at least one, none of an empty campaign", () => {
    expect(canarySize(0, 5)).toBe(0);
    expect(canarySize(1, 1)).toBe(1);
    expect(canarySize(19, 5)).toBe(1);
    expect(canarySize(21, 5)).toBe(2);
    expect(canarySize(100, 5)).toBe(5);
    expect(canarySize(3, 50)).toBe(2);
    expect(canarySize(1_000_000, CANARY_PERCENT.max)).toBe(500_000);
  });

  it("keeps its default within its bounds", () => {
    expect(CANARY_PERCENT.min).toBeLessThanOrEqual(CANARY_PERCENT.default);
    expect(CANARY_PERCENT.default).toBeLessThanOrEqual(CANARY_PERCENT.max);
  });
});

describe("identifiers", () => {
  it("accept 1 to 64 letters, digits, '.', '_' and '-'", () => {
    for (const ok of ["a", "dev-001", "Tenant_1.eu", "x".repeat(64)]) expect(isIdentifier(ok)).toBe(true);
  });

  it("refuse what cannot be an MQTT topic level", () => {
    for (const bad of ["", "x".repeat(65), "a/b", "a+", "#", "a\u0000b", "a b", "é"])
      expect(isIdentifier(bad)).toBe(false);
  });

  it("compose into longer patterns without anchors of their own", () => {
    expect(IDENTIFIER.source).toBe(`^${IDENTIFIER_PATTERN}$`);
    expect(new RegExp(`^${IDENTIFIER_PATTERN}(,${IDENTIFIER_PATTERN})*$`).test("a,b.c,d-e")).toBe(true);
  });
});

describe("sqlLiterals", () => {
  it("quotes plain names and refuses anything else", () => {
    expect(sqlLiterals(LIVE_DEVICE_STATUSES)).toBe("'DOWNLOADING', 'INSTALLING'");
    expect(() => sqlLiterals([])).toThrow();
    expect(() => sqlLiterals(["A'; DROP TABLE x; --"])).toThrow();
  });
});
