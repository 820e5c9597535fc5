"use client";

import { useState } from "react";
import { DevicesTable } from "@/components/devices/devices-table";
import { errorMessage } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useDevices } from "@/lib/api-client/devices";
import { useRemoveMember } from "@/lib/api-client/groups";

const LIMIT = 50;

export function GroupMembers({
  groupId,
  groupName,
  canEdit,
  onAdd,
}: {
  groupId: string;
  groupName: string;
  canEdit: boolean;
  onAdd: () => void;
}) {
  const [offset, setOffset] = useState(0);
  const q = useDevices({ group_id: groupId, limit: LIMIT, offset });
  const remove = useRemoveMember();
  const toast = useToast();
  // Removing the last member on the last page leaves that page empty: step back one.
  const stranded = !!q.data && q.data.devices.length === 0 && offset > 0 && q.data.total > 0;
  // Adjusted while rendering (React's "storing information from previous renders"), once per
  // answer: the previous page's answer stays as placeholder data until the new one arrives.
  const [steppedBackFrom, setSteppedBackFrom] = useState<unknown>(null);
  if (stranded && steppedBackFrom !== q.data) {
    setSteppedBackFrom(q.data);
    setOffset((o) => Math.max(0, o - LIMIT));
  }

  if (q.isPending) return <Loading label="Loading members…" />;
  if (q.isError) return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  if (stranded) return <Loading label="Loading members…" />;
  if (q.data.devices.length === 0) {
    return (
      <Empty title="No members yet">
        {canEdit ? (
          <Button size="sm" className="mt-1" onClick={onAdd}>
            Add the first devices
          </Button>
        ) : (
          "A campaign targeting this group would have no devices to update."
        )}
      </Empty>
    );
  }
  return (
    <>
      <DevicesTable
        devices={q.data.devices}
        label={`Members of ${groupName}`}
        action={
          canEdit
            ? (d) => (
                <Button
                  size="sm"
                  variant="ghost"
                  aria-label={`Remove ${d.device_id} from the group`}
                  disabled={remove.isPending && remove.variables?.deviceId === d.device_id}
                  onClick={() =>
                    remove.mutate(
                      { groupId, deviceId: d.device_id },
                      {
                        onSuccess: () => toast("success", `${d.device_id} removed from ${groupName}`),
                        onError: (err) => toast("error", `Could not remove ${d.device_id}: ${errorMessage(err)}`),
                      },
                    )
                  }
                >
                  Remove
                </Button>
              )
            : undefined
        }
      />
      <Pagination total={q.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} label="Member pages" />
    </>
  );
}
