import { describe, expect, it } from "vitest";
import { canarySize } from "@/lib/rules/canary";
import { formatThreshold, formatTick, planRollout, type RolloutInput } from "@/components/campaigns/wizard/preview";
import {
  DEFAULT_SETTINGS,
  stepOfField,
  thresholdFraction,
  toDraft,
  validateSettings,
} from "@/components/campaigns/wizard/draft";

const base: RolloutInput = {
  eligible: 15,
  tickIntervalMs: 10_000,
  strategy: "linear",
  rolloutRate: 10,
  canaryPercent: 5,
  abortThreshold: 0.1,
  minSample: 10,
};

describe("planRollout", () => {
  it("says the issue's example in plain language", () => {
    const plan = planRollout(base);
    expect(plan.ticks).toBe(2);
    expect(plan.seconds).toBe(20);
    expect(plan.summary).toBe(
      "15 eligible devices, 10 every 10 s: about 20 s if all succeed; aborts if more than 10% of at least 10 finished devices fail.",
    );
  });

  it("sends the canary wave first, then the rest, and counts their ticks separately", () => {
    const plan = planRollout({ ...base, strategy: "canary" });
    // ceil(15 × 5 / 100) = 1 canary device: one tick for it, then 14 at 10 per tick.
    expect(plan.canarySize).toBe(1);
    expect(plan.ticks).toBe(1 + 2);
    expect(plan.summary).toBe(
      "15 eligible devices, 10 every 10 s, first 1 device as a canary, then the rest: about 30 s if all succeed; " +
        "aborts if more than 10% of the canary or of at least 10 finished devices fail.",
    );
  });

  it("uses the engine's canary size: ceil(eligible × share / 100), at least one", () => {
    expect(canarySize(15, 5)).toBe(1);
    expect(canarySize(100, 10)).toBe(10);
    expect(canarySize(101, 10)).toBe(11);
    expect(canarySize(1, 1)).toBe(1);
    expect(canarySize(0, 50)).toBe(0);
    expect(planRollout({ ...base, eligible: 40, strategy: "canary", canaryPercent: 10 }).summary).toContain(
      "first 4 devices as a canary",
    );
    expect(planRollout({ ...base, eligible: 1, strategy: "canary" }).summary).toContain(
      "1 eligible device, 10 every 10 s, all of them as the canary",
    );
  });

  it("caps the minimum sample at the eligible count, as the engine does", () => {
    const plan = planRollout({ ...base, eligible: 3, minSample: 10 });
    expect(plan.minSample).toBe(3);
    expect(plan.summary).toContain("of at least 3 finished devices fail");
    expect(planRollout({ ...base, eligible: 3, minSample: 1 }).summary).toContain("of at least 1 finished device fail");
  });

  it("lets max in flight slow the pace when it is below the rate", () => {
    const plan = planRollout({ ...base, eligible: 100, rolloutRate: 20, maxInFlight: 5, tickIntervalMs: 1000 });
    expect(plan.perTick).toBe(5);
    expect(plan.ticks).toBe(20);
    expect(plan.summary).toContain(
      "100 eligible devices, 20 every 1 s (at most 5 devices in progress at a time): about 20 s",
    );
    expect(planRollout({ ...base, maxInFlight: 50 }).perTick).toBe(10);
  });

  it("formats long rollouts, odd ticks and odd thresholds", () => {
    const long = planRollout({ ...base, eligible: 100_000, rolloutRate: 100, tickIntervalMs: 10_000 });
    expect(long.seconds).toBe(10_000);
    expect(long.summary).toContain("100,000 eligible devices, 100 every 10 s: about 2 h 47 min");
    expect(planRollout({ ...base, tickIntervalMs: 2500 }).summary).toContain("every 2.5 s");
    expect(planRollout({ ...base, tickIntervalMs: 60_000 }).summary).toContain("every 1 min");
    expect(planRollout({ ...base, abortThreshold: 0.125 }).summary).toContain("more than 12.5% of");
  });

  it("says what a threshold of 0% or 100% means", () => {
    expect(planRollout({ ...base, abortThreshold: 0 }).summary).toContain(
      "aborts on the first failure once 10 devices have finished",
    );
    expect(planRollout({ ...base, abortThreshold: 0, strategy: "canary" }).summary).toContain(
      "aborts on any failure in the canary",
    );
    expect(planRollout({ ...base, abortThreshold: 1 }).summary).toContain("never aborts on failures");
  });

  it("has nothing to roll out without eligible devices", () => {
    const plan = planRollout({ ...base, eligible: 0 });
    expect(plan.ticks).toBe(0);
    expect(plan.summary).toBe("No eligible devices: there is nothing to roll out.");
  });

  it("formats ticks and thresholds", () => {
    expect(formatTick(1000)).toBe("1 s");
    expect(formatTick(1500)).toBe("1.5 s");
    expect(formatTick(120_000)).toBe("2 min");
    expect(formatThreshold(0.1)).toBe("10%");
    expect(formatThreshold(0.07)).toBe("7%");
  });
});

describe("the wizard's settings", () => {
  const valid = { ...DEFAULT_SETTINGS, name: "Sensors to 3.1.0" };

  it("sends the threshold as a fraction and the timeout in seconds", () => {
    expect(thresholdFraction("10")).toBe(0.1);
    expect(thresholdFraction("7")).toBe(0.07);
    expect(thresholdFraction("12.5")).toBe(0.125);
    const draft = toDraft(
      { ...valid, strategy: "canary", canaryPercent: "10", timeout: "15", timeoutUnit: "minutes", maxInFlight: "8" },
      3,
      "fleet",
    );
    expect(draft).toEqual({
      name: "Sensors to 3.1.0",
      firmware_version_id: 3,
      target_group_id: "fleet",
      rollout_strategy: "canary",
      rollout_rate: 10,
      abort_threshold: 0.1,
      canary_percent: 10,
      abort_min_devices: 10,
      device_timeout_seconds: 900,
      max_in_flight: 8,
    });
    expect(toDraft(valid, 3, "fleet")).toMatchObject({
      rollout_strategy: "linear",
      max_in_flight: null,
      device_timeout_seconds: 1800,
    });
    expect(toDraft(valid, 3, "fleet")).not.toHaveProperty("canary_percent");
  });

  it("checks what the inputs mean and leaves the API's limits to the API", () => {
    expect(validateSettings(valid)).toEqual({});
    expect(validateSettings(DEFAULT_SETTINGS)).toHaveProperty("name");
    expect(validateSettings({ ...valid, name: "x".repeat(101) })).toEqual({});
    expect(validateSettings({ ...valid, strategy: "canary", canaryPercent: "60" })).toHaveProperty("canary_percent");
    expect(validateSettings({ ...valid, canaryPercent: "60" })).toEqual({});
    expect(validateSettings({ ...valid, rolloutRate: "2.5" })).toHaveProperty("rollout_rate");
    expect(validateSettings({ ...valid, thresholdPercent: "150" })).toHaveProperty("abort_threshold");
    expect(validateSettings({ ...valid, timeout: "0" })).toHaveProperty("device_timeout_seconds");
    expect(validateSettings({ ...valid, maxInFlight: "0" })).toHaveProperty("max_in_flight");
  });

  it("knows which step each field of the API's body is on", () => {
    expect(stepOfField("firmware_version_id")).toBe(1);
    expect(stepOfField("target_group_id")).toBe(2);
    expect(stepOfField("name")).toBe(3);
    expect(stepOfField("abort_threshold")).toBe(3);
    expect(stepOfField("")).toBeUndefined();
  });
});
