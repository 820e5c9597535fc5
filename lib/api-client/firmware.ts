"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { FirmwareCreate, FirmwareUploadMetadata } from "@/lib/ota/schemas";
import { ApiError, apiGet, apiSend, parse } from "./http";
import { firmwareKeys } from "./keys";
import type { Firmware, FirmwareList } from "./types";

export function useFirmwareList(p: { device_type?: string; limit: number; offset: number }) {
  return useQuery({
    queryKey: firmwareKeys.list({ ...p }),
    queryFn: ({ signal }) => apiGet<FirmwareList>("/customer/firmware", { ...p }, signal),
    placeholderData: keepPreviousData,
  });
}

/** The `metadata` part of an upload, as the API takes it (release_signature and release_kid included). */
export type FirmwareMetadata = z.input<typeof FirmwareUploadMetadata>;
/** The JSON body of a registration by URL. */
export type FirmwareRegistration = z.input<typeof FirmwareCreate>;

/**
 * Uploads a binary as multipart (metadata + file) with XMLHttpRequest, because fetch
 * cannot report upload progress. `onProgress` gets 0–1. The answer is read as fetch's
 * would be (`parse`), so a 422 carries the same per-field messages: a release signature
 * refused inside `metadata` lands beside its field.
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
      // A Response cannot carry status 0 (no answer read): that is an interrupted upload too.
      if (xhr.status < 200) return reject(new ApiError(0, "The upload was interrupted", undefined));
      parse<Firmware>(new Response(xhr.responseText || null, { status: xhr.status })).then(resolve, reject);
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
    mutationFn: (body: FirmwareRegistration) => apiSend<Firmware>("POST", "/customer/firmware", body),
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
