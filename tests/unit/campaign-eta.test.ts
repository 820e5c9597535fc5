import { describe, expect, it } from "vitest";
import { estimateCompletion, plannedRate, smoothedRate, type Sample } from "@/components/campaigns/eta";

const s = (t: number, finished: number, running = true): Sample => ({ t: t * 1000, finished, failed: 0, running });
const running = { status: "RUNNING", pending: 90, inFlight: 10, rolloutRate: 10, tickIntervalMs: 10_000 };

/**
 * A page polling every 2.5 s a campaign whose devices finish in bursts: `burst` devices at
 * every tick of `tickS` seconds, from the first tick on. Returns the ETA (seconds) at every poll.
 */
function watch(opts: {
  total: number;
  burst: number;
  tickS: number;
  polls: number;
  pause?: [number, number];
  planned?: number;
}) {
  const samples: Sample[] = [];
  const etas: { t: number; seconds: number }[] = [];
  let finished = 0;
  let runningTime = 0;
  for (let i = 0; i <= opts.polls; i++) {
    const t = i * 2.5;
    const paused = !!opts.pause && t >= opts.pause[0] && t < opts.pause[1];
    if (i > 0 && !paused) runningTime += 2.5;
    finished = Math.min(opts.total, Math.floor(runningTime / opts.tickS) * opts.burst);
    samples.push(s(t, finished, !paused));
    const eta = estimateCompletion(
      {
        status: paused ? "PAUSED" : "RUNNING",
        pending: Math.max(0, opts.total - finished - opts.burst),
        inFlight: Math.min(opts.burst, opts.total - finished),
        rolloutRate: opts.planned ?? opts.burst,
        tickIntervalMs: opts.tickS * 1000,
      },
      samples,
    );
    if (eta) etas.push({ t, seconds: eta.seconds });
  }
  return etas;
}

describe("smoothedRate", () => {
  it("starts from the plan and stays there until two bursts of finishes have been seen", () => {
    expect(smoothedRate([], 2)).toEqual({ rate: 2, basis: "planned" });
    expect(smoothedRate([s(0, 0), s(10, 0), s(20, 0)], 2)).toEqual({ rate: 2, basis: "planned" });
    expect(smoothedRate([s(0, 0), s(10, 0), s(20, 30)], 2)).toEqual({ rate: 2, basis: "planned" });
    expect(smoothedRate([], null)).toBeNull();
  });

  it("converges on a steady observed rate", () => {
    const steady = Array.from({ length: 200 }, (_, i) => s(i * 2.5, i * 5)); // 2 devices/s
    const est = smoothedRate(steady, 10)!;
    expect(est.basis).toBe("observed");
    expect(est.rate).toBeCloseTo(2, 1);
  });

  it("skips the intervals that touch a pause, and keeps what it learnt before", () => {
    const before = [s(0, 0), s(10, 20), s(20, 40), s(30, 50)];
    const withPause = [...before, s(30, 40, false), s(300, 40, false), s(310, 40)];
    expect(smoothedRate(withPause, 2)!.rate).toBeCloseTo(smoothedRate(before, 2)!.rate, 10);
  });
});

describe("estimateCompletion", () => {
  it("uses the smoothed rate for every device not yet finished, once devices finish", () => {
    const eta = estimateCompletion(running, [s(0, 0), s(10, 20), s(20, 40)])!;
    expect(eta.basis).toBe("observed");
    // Between the plan (1 device/s: 100 s) and the burst (2 devices/s: 50 s).
    expect(eta.seconds).toBeGreaterThan(50);
    expect(eta.seconds).toBeLessThan(100);
  });

  it("falls back to the planned pace (pending / rollout_rate ticks) before anything finished", () => {
    expect(estimateCompletion(running, [])).toEqual({ seconds: 90, basis: "planned", rate: 1 });
    expect(estimateCompletion({ ...running, pending: 91 }, [])).toEqual({ seconds: 100, basis: "planned", rate: 1 });
    expect(plannedRate({ rolloutRate: 0, tickIntervalMs: 1000 })).toBeNull();
  });

  it("is unknown when nothing is pending and nothing has been seen to finish, and only while running", () => {
    expect(estimateCompletion({ ...running, pending: 0 }, [])).toBeNull();
    expect(estimateCompletion({ ...running, status: "PAUSED" }, [s(0, 0), s(10, 20)])).toBeNull();
    expect(estimateCompletion({ ...running, status: "COMPLETED" }, [])).toBeNull();
  });

  it("says one tick when nothing is left but the campaign has not been marked complete yet", () => {
    expect(estimateCompletion({ ...running, pending: 0, inFlight: 0 }, [])).toMatchObject({
      seconds: 10,
      basis: "planned",
    });
  });

  it("does not jump while devices finish in bursts: each poll moves it by little more than the time passed", () => {
    const etas = watch({ total: 600, burst: 10, tickS: 10, polls: 200 });
    expect(etas.length).toBeGreaterThan(100);
    for (let i = 1; i < etas.length; i++) {
      const { seconds: prev, t: t0 } = etas[i - 1]!;
      const { seconds, t } = etas[i]!;
      const expected = prev - (t - t0);
      // A 2 → 11 → 8 min estimate would move by minutes between polls 2.5 s apart.
      expect(Math.abs(seconds - expected)).toBeLessThanOrEqual(Math.max(0.12 * prev, 15));
    }
  });

  it("moves from a wrong plan to the observed pace gradually, not in one jump", () => {
    // Planned 50 devices per tick, observed 10: the estimate grows toward 5× the plan over minutes.
    const etas = watch({ total: 600, burst: 10, tickS: 10, polls: 200, planned: 50 });
    for (let i = 1; i < etas.length; i++) {
      const change = etas[i]!.seconds / etas[i - 1]!.seconds;
      expect(change).toBeLessThan(1.2);
      expect(change).toBeGreaterThan(0.8);
    }
    expect(Math.max(...etas.map((e) => e.seconds))).toBeGreaterThan(2 * etas[0]!.seconds);
  });

  it("carries on after a resume from where it stood before the pause", () => {
    const etas = watch({ total: 600, burst: 10, tickS: 10, polls: 200, pause: [200, 400] });
    const before = etas.filter((e) => e.t < 200).at(-1)!;
    const after = etas.find((e) => e.t >= 400)!;
    expect(after.seconds).toBeGreaterThan(before.seconds * 0.85);
    expect(after.seconds).toBeLessThan(before.seconds * 1.15);
  });
});
