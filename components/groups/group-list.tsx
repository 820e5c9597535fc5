"use client";

import Link from "next/link";
import { useState } from "react";
import { useCan } from "@/components/session";
import { Button } from "@/components/ui/button";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { DataTable, PageHeader, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import { useGroups } from "@/lib/api-client/groups";
import type { GroupList as GroupListData } from "@/lib/api-client/types";
import { CreateGroupDialog } from "./create-group-dialog";
import { DeleteGroupButton } from "./delete-group";

const LIMIT = 50;

export const groupHref = (id: string) => `/app/groups/${encodeURIComponent(id)}`;

/** /app/groups: the tenant's device groups (the targets of campaigns) with their member counts. */
export function GroupList() {
  const canOperate = useCan("operator");
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const q = useGroups({ limit: LIMIT, offset });
  const total = q.data?.total;
  return (
    <section>
      <PageHeader
        title="Groups"
        description={
          total === undefined
            ? "Sets of devices that campaigns target."
            : `${total.toLocaleString()} group${total === 1 ? "" : "s"}: the sets of devices that campaigns target`
        }
        actions={
          canOperate && (
            <Button variant="primary" onClick={() => setCreating(true)}>
              Create group
            </Button>
          )
        }
      />
      {q.isPending ? (
        <Loading label="Loading groups…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.groups.length === 0 ? (
        <Empty title="No groups yet">
          {canOperate
            ? "Create a group, then add devices to it: campaigns roll out to a group."
            : "Campaigns roll out to groups; an operator can create them."}
        </Empty>
      ) : (
        <>
          <GroupsTable groups={q.data.groups} canDelete={canOperate} />
          <Pagination total={q.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} label="Group pages" />
        </>
      )}
      <CreateGroupDialog open={creating} onClose={() => setCreating(false)} />
    </section>
  );
}

function GroupsTable({ groups, canDelete }: { groups: GroupListData["groups"]; canDelete: boolean }) {
  return (
    <DataTable
      label="Groups"
      head={
        <>
          <Th>Name</Th>
          <Th>Group ID</Th>
          <Th>Description</Th>
          <Th className="text-right">Members</Th>
          <Th>Created</Th>
          {canDelete && (
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          )}
        </>
      }
    >
      {groups.map((g) => (
        <tr key={g.group_id} className="hover:bg-slate-50/60">
          <Td className="whitespace-nowrap">
            <Link href={groupHref(g.group_id)} className="font-medium text-sky-800 hover:underline">
              {g.name}
            </Link>
          </Td>
          <Td className="whitespace-nowrap font-mono text-[13px] text-slate-600">{g.group_id}</Td>
          <Td className="max-w-xs truncate text-slate-600" title={g.description ?? undefined}>
            {g.description || <span className="text-slate-500">—</span>}
          </Td>
          <Td className="text-right tabular-nums">{g.member_count.toLocaleString()}</Td>
          <Td className="whitespace-nowrap text-slate-500">
            <DateTime iso={g.created_at} />
          </Td>
          {canDelete && (
            <Td className="text-right">
              <DeleteGroupButton groupId={g.group_id} name={g.name} />
            </Td>
          )}
        </tr>
      ))}
    </DataTable>
  );
}
