"use client";

import { useState } from "react";
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
  // Recorded while rendering (React's "storing information from previous renders"): each
  // fetch adds one sample, and a sample never comes twice for the same fetch time.
  const base = state.id === id ? state.samples : [];
  const last = base.at(-1);
  if (point && updatedAt && (!last || last.t < updatedAt)) {
    const samples = [...base, { t: updatedAt, ...point }].slice(-MAX_SAMPLES);
    setState({ id, samples });
    return samples;
  }
  return state.id === id ? state.samples : [];
}
