"use client";

import { useQuery } from "@tanstack/react-query";
import { apiGet } from "./http";
import { HEALTH_POLL_MS, healthKeys } from "./keys";
import type { Health } from "./types";

export function useHealth() {
  return useQuery({
    queryKey: healthKeys.all,
    queryFn: ({ signal }) => apiGet<Health>("/health", undefined, signal),
    refetchInterval: HEALTH_POLL_MS,
    staleTime: 5000,
  });
}
