"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiGet, apiSend } from "./http";
import { deviceKeys, groupKeys } from "./keys";
import type { Device, DeviceHistory, DeviceList } from "./types";

export interface DeviceListParams {
  device_type?: string;
  fw_version?: string;
  group_id?: string;
  limit: number;
  offset: number;
}

export function useDevices(p: DeviceListParams) {
  return useQuery({
    queryKey: deviceKeys.list({ ...p }),
    queryFn: ({ signal }) => apiGet<DeviceList>("/customer/devices", { ...p }, signal),
    placeholderData: keepPreviousData,
  });
}

export function useDevice(id: string) {
  return useQuery({
    queryKey: deviceKeys.detail(id),
    queryFn: ({ signal }) => apiGet<Device>(`/customer/devices/${encodeURIComponent(id)}`, undefined, signal),
    retry: (n, err) => (err as { status?: number }).status !== 404 && n < 1,
  });
}

export function useDeviceHistory(id: string, p: { limit: number; offset: number }) {
  return useQuery({
    queryKey: deviceKeys.history(id, { ...p }),
    queryFn: ({ signal }) => apiGet<DeviceHistory>(`/customer/devices/${encodeURIComponent(id)}/ota`, { ...p }, signal),
    placeholderData: keepPreviousData,
  });
}

export function useCreateDevice() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { device_id: string; device_type?: string | null; fw_version?: string | null }) =>
      apiSend<Device>("POST", "/customer/devices", body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: deviceKeys.all }),
  });
}

export function useDeleteDevice() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend<void>("DELETE", `/customer/devices/${encodeURIComponent(id)}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: deviceKeys.all });
      // Member counts change with it.
      void qc.invalidateQueries({ queryKey: groupKeys.all });
    },
  });
}
