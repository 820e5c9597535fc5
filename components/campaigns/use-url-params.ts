"use client";

import { usePathname, useSearchParams } from "next/navigation";
import { useCallback } from "react";

/**
 * Filters and the page number live in the URL (?status=FAILED&page=3), so that a
 * reload, a shared link or the Back button shows the same rows. Next.js keeps
 * useSearchParams in step with history.pushState, without a server round trip.
 */
export function useUrlParams(): [URLSearchParams, (patch: Record<string, string | number | undefined>) => void] {
  const params = useSearchParams();
  const pathname = usePathname();
  const update = useCallback(
    (patch: Record<string, string | number | undefined>) => {
      const next = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined || v === "") next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      window.history.pushState(null, "", qs ? `${pathname}?${qs}` : pathname);
    },
    [params, pathname],
  );
  return [params, update];
}
