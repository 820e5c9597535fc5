"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiGet, apiSend } from "./http";
import { deviceKeys, groupKeys } from "./keys";
import type { Group, GroupList } from "./types";

export function useGroups(p: { limit: number; offset: number }) {
  return useQuery({
    queryKey: groupKeys.list({ ...p }),
    queryFn: ({ signal }) => apiGet<GroupList>("/customer/device-groups", { ...p }, signal),
    placeholderData: keepPreviousData,
  });
}

export function useGroup(id: string) {
  return useQuery({
    queryKey: groupKeys.detail(id),
    queryFn: ({ signal }) => apiGet<Group>(`/customer/device-groups/${encodeURIComponent(id)}`, undefined, signal),
    retry: (n, err) => (err as { status?: number }).status !== 404 && n < 1,
  });
}

export function useCreateGroup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { group_id: string; name: string; description?: string | null }) =>
      apiSend<Group>("POST", "/customer/device-groups", body),
    onSuccess: () => void qc.invalidateQueries({ queryKey: groupKeys.all }),
  });
}

export function useDeleteGroup() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend<void>("DELETE", `/customer/device-groups/${encodeURIComponent(id)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: groupKeys.all }),
  });
}

/** Membership changes a group's count and its devices' group lists. */
function useMembershipInvalidation() {
  const qc = useQueryClient();
  return (groupId: string) => {
    void qc.invalidateQueries({ queryKey: groupKeys.all });
    void qc.invalidateQueries({ queryKey: deviceKeys.all });
    return groupId;
  };
}

export function useAddMembers() {
  const invalidate = useMembershipInvalidation();
  return useMutation({
    mutationFn: ({ groupId, deviceIds }: { groupId: string; deviceIds: string[] }) =>
      apiSend<unknown>("POST", `/customer/device-groups/${encodeURIComponent(groupId)}/members`, {
        device_ids: deviceIds,
      }),
    onSuccess: (_d, { groupId }) => invalidate(groupId),
  });
}

export function useRemoveMember() {
  const invalidate = useMembershipInvalidation();
  return useMutation({
    mutationFn: ({ groupId, deviceId }: { groupId: string; deviceId: string }) =>
      apiSend<void>(
        "DELETE",
        `/customer/device-groups/${encodeURIComponent(groupId)}/members/${encodeURIComponent(deviceId)}`,
      ),
    onSuccess: (_d, { groupId }) => invalidate(groupId),
  });
}
