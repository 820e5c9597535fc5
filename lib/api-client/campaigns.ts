"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiGet, apiSend } from "./http";
import { campaignKeys, LIVE_POLL_MS } from "./keys";
import { isLiveCampaign, LIVE_DEVICE_STATUSES } from "@/lib/rules/statuses";
import type { Campaign, CampaignDevicePage, CampaignList } from "./types";

type Polled = Pick<Campaign, "status" | "status_breakdown">;

/** Devices that were sent the update and have not reported its end yet. */
export const inFlight = (c: Polled) => LIVE_DEVICE_STATUSES.reduce((n, s) => n + c.status_breakdown[s], 0);

/**
 * Whether a campaign can still change: it runs or is paused (the worker moves it), or it
 * is over but devices sent the update before a pause or an abort are still finishing
 * and reporting. Polling stops only when it is final AND nothing is in flight.
 */
export const stillChanging = (c: Polled | undefined) => !!c && (isLiveCampaign(c.status) || inFlight(c) > 0);
const pollWhileChanging = (c: Polled | undefined) => (stillChanging(c) ? LIVE_POLL_MS : false);

export interface CampaignListParams {
  status?: string;
  limit: number;
  offset: number;
}

export function useCampaigns(p: CampaignListParams) {
  return useQuery({
    queryKey: campaignKeys.list({ ...p }),
    queryFn: ({ signal }) => apiGet<CampaignList>("/customer/ota/campaigns", { ...p }, signal),
    placeholderData: keepPreviousData,
    // The list polls while any campaign on the page is moving.
    refetchInterval: (q) => (q.state.data?.campaigns.some(stillChanging) ? LIVE_POLL_MS : false),
  });
}

export function useCampaign(id: number) {
  return useQuery({
    queryKey: campaignKeys.detail(id),
    queryFn: ({ signal }) => apiGet<Campaign>(`/customer/ota/campaigns/${id}`, undefined, signal),
    refetchInterval: (q) => pollWhileChanging(q.state.data),
    retry: (n, err) => (err as { status?: number }).status !== 404 && n < 1,
  });
}

export function useCampaignDevices(
  id: number,
  p: { status?: string; limit: number; offset: number },
  /** The campaign as last fetched: its devices poll as long as it does. */
  campaign?: Polled,
) {
  return useQuery({
    queryKey: campaignKeys.devices(id, { ...p }),
    queryFn: ({ signal }) => apiGet<CampaignDevicePage>(`/customer/ota/campaigns/${id}/devices`, { ...p }, signal),
    placeholderData: keepPreviousData,
    refetchInterval: pollWhileChanging(campaign),
  });
}

export type CampaignAction = "start" | "pause" | "abort";

/** Start / resume / pause / abort: refreshes that campaign (and its devices) and the lists. */
export function useCampaignAction() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action }: { id: number; action: CampaignAction }) =>
      apiSend<{ id: number; status: string }>("POST", `/customer/ota/campaigns/${id}/${action}`),
    onSettled: (_d, _e, { id }) => {
      void qc.invalidateQueries({ queryKey: campaignKeys.detail(id) });
      void qc.invalidateQueries({ queryKey: campaignKeys.lists() });
    },
  });
}

export interface CampaignDraft {
  name: string;
  firmware_version_id: number;
  target_group_id: string;
  rollout_strategy: "linear" | "canary";
  rollout_rate: number;
  abort_threshold: number;
  canary_percent?: number;
  abort_min_devices?: number;
  device_timeout_seconds?: number;
  max_in_flight?: number | null;
}

export interface CampaignPreview {
  total_devices: number;
  eligible_devices: number;
  skipped: Record<string, number>;
  canary_size: number;
  tick_interval_ms: number;
}

/** What a campaign would do, without creating it (the same checks as creation). */
export function useCampaignPreview(draft: Partial<CampaignDraft> | null) {
  return useQuery({
    queryKey: [...campaignKeys.all, "preview", draft],
    queryFn: () => apiSend<CampaignPreview>("POST", "/customer/ota/campaigns/preview", draft),
    enabled: !!draft?.firmware_version_id && !!draft?.target_group_id,
    retry: false,
    staleTime: 5000,
  });
}

export function useCreateCampaign() {
  const qc = useQueryClient();
  return useMutation({
    // Starting is a separate action (useCampaignAction), so that a failed start never
    // hides a campaign that was created.
    mutationFn: ({ draft }: { draft: CampaignDraft }) => apiSend<Campaign>("POST", "/customer/ota/campaigns", draft),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: campaignKeys.lists() });
    },
  });
}
