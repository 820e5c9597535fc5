"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { listSigningKeys } from "@/lib/ota/signing-keys";
import { apiGet, apiSend } from "./http";
import { trustKeys } from "./keys";
import type { OtaSettings, ReleaseKey, ReleaseKeyList, SigningJwks } from "./types";

/**
 * Device trust, the operator's side: the tenant's command-signing keys (the JWKS devices
 * are provisioned with), the operator's own release keys, and "require signed firmware".
 * Every change is an admin's; everyone signed in may read.
 */

/** The JWKS exactly as devices are provisioned with it (what "Copy JWKS" copies). */
export function useSigningKeys() {
  return useQuery({
    queryKey: trustKeys.signingKeys(),
    queryFn: ({ signal }) => apiGet<SigningJwks>("/customer/ota/signing-keys", undefined, signal),
  });
}

/** The same keys, each with where it is in a rotation (active, staged, previous) and its dates. */
export type SigningKeyList = Awaited<ReturnType<typeof listSigningKeys>>;
export type SigningKeyWithStatus = SigningKeyList["keys"][number];

/**
 * Under the JWKS's key, so that invalidating the signing keys refreshes both views: one
 * change (a stage, an activation, a retirement) moves both.
 */
const signingKeyStatusKey = () => [...trustKeys.signingKeys(), "status"] as const;

export function useSigningKeyStatus() {
  return useQuery({
    queryKey: signingKeyStatusKey(),
    queryFn: ({ signal }) => apiGet<SigningKeyList>("/customer/ota/signing-keys/status", undefined, signal),
  });
}

/**
 * The first step of a rotation: a new key joins the JWKS without signing, so that devices
 * can be given it before any command they would refuse is signed with it.
 */
export function useStageSigningKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => apiSend<SigningKeyWithStatus>("POST", "/customer/ota/signing-keys"),
    onSettled: () => void qc.invalidateQueries({ queryKey: trustKeys.signingKeys() }),
  });
}

/** The second step: the key signs every command from now on (the worker follows within a minute). */
export function useActivateSigningKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (kid: string) =>
      apiSend<SigningKeyWithStatus>("POST", `/customer/ota/signing-keys/${encodeURIComponent(kid)}/activate`),
    onSettled: () => void qc.invalidateQueries({ queryKey: trustKeys.signingKeys() }),
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
