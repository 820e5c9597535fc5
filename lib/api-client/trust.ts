"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiGet, apiSend } from "./http";
import { trustKeys } from "./keys";
import type { OtaSettings, ReleaseKey, ReleaseKeyList, SigningJwk, SigningJwks } from "./types";

/**
 * Device trust, the operator's side: the tenant's command-signing keys (the JWKS devices
 * are provisioned with), the operator's own release keys, and "require signed firmware".
 * Every change is an admin's; everyone signed in may read.
 */

export function useSigningKeys() {
  return useQuery({
    queryKey: trustKeys.signingKeys(),
    queryFn: ({ signal }) => apiGet<SigningJwks>("/customer/ota/signing-keys", undefined, signal),
  });
}

/** A new signing key; the previous ones stay in the JWKS until retired, so provisioned devices keep verifying. */
export function useRotateSigningKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => apiSend<SigningJwk>("POST", "/customer/ota/signing-keys"),
    onSuccess: () => void qc.invalidateQueries({ queryKey: trustKeys.signingKeys() }),
  });
}

export function useRetireSigningKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (kid: string) => apiSend<void>("DELETE", `/customer/ota/signing-keys/${encodeURIComponent(kid)}`),
    onSettled: () => void qc.invalidateQueries({ queryKey: trustKeys.signingKeys() }),
  });
}

/** Every release key, retired ones too, oldest first. */
export function useReleaseKeys() {
  return useQuery({
    queryKey: trustKeys.releaseKeys(),
    queryFn: ({ signal }) => apiGet<ReleaseKeyList>("/customer/ota/release-keys", undefined, signal),
  });
}

export function useAddReleaseKey() {
  const qc = useQueryClient();
  return useMutation({
    /** `public_key`: a JWK (parsed JSON) or a PEM string, as pasted. */
    mutationFn: (body: { name: string; public_key: string | Record<string, unknown> }) =>
      apiSend<ReleaseKey>("POST", "/customer/ota/release-keys", body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: trustKeys.releaseKeys() }),
  });
}

export function useRetireReleaseKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (kid: string) => apiSend<void>("DELETE", `/customer/ota/release-keys/${encodeURIComponent(kid)}`),
    onSettled: () => void qc.invalidateQueries({ queryKey: trustKeys.releaseKeys() }),
  });
}

export function useOtaSettings() {
  return useQuery({
    queryKey: trustKeys.settings(),
    queryFn: ({ signal }) => apiGet<OtaSettings>("/customer/ota/settings", undefined, signal),
  });
}

export function useUpdateOtaSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<OtaSettings>) => apiSend<OtaSettings>("PATCH", "/customer/ota/settings", patch),
    onSuccess: (s) => qc.setQueryData(trustKeys.settings(), s),
    onSettled: () => void qc.invalidateQueries({ queryKey: trustKeys.settings() }),
  });
}
