"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiGet, apiSend } from "./http";
import { firmwareKeys } from "./keys";
import type { Firmware, FirmwareList } from "./types";

export function useFirmwareList(p: { device_type?: string; limit: number; offset: number }) {
  return useQuery({
    queryKey: firmwareKeys.list({ ...p }),
    queryFn: ({ signal }) => apiGet<FirmwareList>("/customer/firmware", { ...p }, signal),
    placeholderData: keepPreviousData,
  });
}

export interface FirmwareMetadata {
  version: string;
  description?: string | null;
  device_type?: string | null;
}

/**
 * Uploads a binary as multipart (metadata + file) with XMLHttpRequest, because fetch
 * cannot report upload progress. `onProgress` gets 0–1.
 */
export function uploadFirmware(
  meta: FirmwareMetadata,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<Firmware> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("metadata", JSON.stringify(meta));
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/customer/firmware");
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "The upload was interrupted", undefined));
    xhr.onload = () => {
      let body: { detail?: unknown; code?: string } | Firmware | undefined;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as Firmware);
      const detail = (body as { detail?: unknown } | undefined)?.detail;
      const fields: Record<string, string> = {};
      if (Array.isArray(detail)) for (const d of detail) fields[String(d.loc?.at(-1) ?? "")] = d.msg;
      const message =
        typeof detail === "string"
          ? detail
          : Object.entries(fields)
              .map(([k, v]) => `${k}: ${v}`)
              .join("; ") || `Upload failed (${xhr.status})`;
      reject(new ApiError(xhr.status, message, (body as { code?: string } | undefined)?.code, fields));
    };
    xhr.send(form);
  });
}

export function useUploadFirmware() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ meta, file, onProgress }: { meta: FirmwareMetadata; file: File; onProgress: (f: number) => void }) =>
      uploadFirmware(meta, file, onProgress),
    onSuccess: () => void qc.invalidateQueries({ queryKey: firmwareKeys.all }),
  });
}

export function useRegisterFirmware() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: FirmwareMetadata & { file_url: string; checksum_sha256?: string; file_size_bytes?: number }) =>
      apiSend<Firmware>("POST", "/customer/firmware", body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: firmwareKeys.all }),
  });
}

export function useDeleteFirmware() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => apiSend<void>("DELETE", `/customer/firmware/${id}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: firmwareKeys.all }),
  });
}
