"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiGet, apiSend, parse } from "./http";
import { deviceKeys, groupKeys } from "./keys";
import type { Device, DeviceCreated, DeviceHistory, DeviceList, IssuedCredentials } from "./types";

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

export interface DeviceDraft {
  device_id: string;
  device_type?: string | null;
  fw_version?: string | null;
}

/** Registers one device; the answer carries its MQTT credentials, which the caller shows once. */
export function useCreateDevice() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: DeviceDraft) => apiSend<DeviceCreated>("POST", "/customer/devices", body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: deviceKeys.all }),
  });
}

/**
 * Registers many devices in one request (all or nothing) and returns the server's CSV of
 * their credentials (`device_id,client_id,username,password`), as text: the only copy.
 */
export async function importDevices(devices: DeviceDraft[]): Promise<string> {
  const res = await fetch("/customer/devices/bulk", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "text/csv" },
    body: JSON.stringify({ devices }),
  });
  if (res.ok) return res.text();
  return parse<never>(res);
}

export function useImportDevices() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: importDevices,
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: deviceKeys.all });
    },
  });
}

/** New MQTT credentials for a device: the old ones stop working at once. */
export function useIssueCredentials() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiSend<IssuedCredentials>("POST", `/customer/devices/${encodeURIComponent(id)}/credentials`),
    onSuccess: (_d, id) => void qc.invalidateQueries({ queryKey: deviceKeys.detail(id) }),
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
