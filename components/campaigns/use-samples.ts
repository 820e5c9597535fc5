"use client";

import { useEffect, useState } from "react";
import type { Sample } from "./eta";

/** Enough for the chart and the rate: at one poll every 2.5 s, 20 minutes of history. */
const MAX_SAMPLES = 480;

/**
 * The (time, finished) samples seen while this page is open, one per fetch of the
 * campaign (`updatedAt` is TanStack Query's dataUpdatedAt). Only the browser keeps
 * them: they feed the finish-rate estimate and the small chart, and reset with the id.
 */
export function useProgressSamples(
  id: number,
  updatedAt: number,
  point: { finished: number; failed: number; running: boolean } | undefined,
): Sample[] {
  const [state, setState] = useState<{ id: number; samples: Sample[] }>({ id, samples: [] });
  const finished = point?.finished;
  const failed = point?.failed;
  const running = point?.running;
  useEffect(() => {
    if (finished === undefined || failed === undefined || running === undefined || !updatedAt) return;
    setState((prev) => {
      const base = prev.id === id ? prev.samples : [];
      const last = base.at(-1);
      if (last && last.t >= updatedAt) return prev;
      return { id, samples: [...base, { t: updatedAt, finished, failed, running }].slice(-MAX_SAMPLES) };
    });
  }, [id, updatedAt, finished, failed, running]);
  return state.id === id ? state.samples : [];
}
