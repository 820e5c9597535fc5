import { describe, expect, it } from "vitest";
import { estimateCompletion, observedRate, type Sample } from "@/components/campaigns/eta";

const s = (t: number, finished: number, running = true): Sample => ({ t: t * 1000, finished, failed: 0, running });
const running = { status: "RUNNING", pending: 90, inFlight: 10, rolloutRate: 10, tickIntervalMs: 10_000 };

describe("observedRate", () => {
  it("is the finish rate over the recent window of the current run", () => {
    expect(observedRate([s(0, 0), s(10, 20), s(20, 40)])).toBe(2);
    // Samples older than the window do not count.
    expect(observedRate([s(0, 0), s(100, 10), s(110, 30)], 60_000)).toBe(2);
  });

  it("ignores the time before a pause", () => {
    expect(observedRate([s(0, 0), s(10, 50, false), s(300, 50), s(310, 60)])).toBe(1);
  });

  it("has no rate before anything finished, within a second, or when not running", () => {
    expect(observedRate([])).toBeNull();
    expect(observedRate([s(0, 5)])).toBeNull();
    expect(observedRate([s(0, 5), s(10, 5)])).toBeNull();
    expect(observedRate([s(0, 0), s(0.5, 5)])).toBeNull();
    expect(observedRate([s(0, 0), s(10, 5, false)])).toBeNull();
  });
});

describe("estimateCompletion", () => {
  it("uses the observed rate for every device not yet finished", () => {
    expect(estimateCompletion(running, [s(0, 0), s(10, 20)])).toEqual({ seconds: 50, basis: "observed", rate: 2 });
  });

  it("falls back to the planned pace (pending / rollout_rate ticks) before there is a rate", () => {
    expect(estimateCompletion(running, [])).toEqual({ seconds: 90, basis: "planned" });
    expect(estimateCompletion({ ...running, pending: 91 }, [])).toEqual({ seconds: 100, basis: "planned" });
  });

  it("is unknown when nothing is pending and nothing has been seen to finish, and only while running", () => {
    expect(estimateCompletion({ ...running, pending: 0 }, [])).toBeNull();
    expect(estimateCompletion({ ...running, status: "PAUSED" }, [s(0, 0), s(10, 20)])).toBeNull();
    expect(estimateCompletion({ ...running, status: "COMPLETED" }, [])).toBeNull();
  });

  it("says one tick when nothing is left but the campaign has not been marked complete yet", () => {
    expect(estimateCompletion({ ...running, pending: 0, inFlight: 0 }, [])).toEqual({ seconds: 10, basis: "planned" });
  });
});
