"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useCan } from "@/components/session";
import { isNotFound } from "@/components/ui/api-errors";
import { Button } from "@/components/ui/button";
import { NotFoundState } from "@/components/ui/not-found";
import { ErrorState, Loading } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import { useGroup } from "@/lib/api-client/groups";
import { AddMembersDialog } from "./add-members-dialog";
import { DeleteGroupButton } from "./delete-group";
import { GroupMembers } from "./group-members";

/** /app/groups/[group_id]: the group and its members, with adding and removing for operators. */
export function GroupDetail({ groupId }: { groupId: string }) {
  const canOperate = useCan("operator");
  const router = useRouter();
  const [adding, setAdding] = useState(false);
  const q = useGroup(groupId);

  if (q.isPending) return <Loading label="Loading group…" />;
  if (q.isError) {
    if (isNotFound(q.error)) {
      return (
        <NotFoundState title="Group not found" backHref="/app/groups" backLabel="All groups">
          Your fleet has no group <code className="font-mono">{groupId}</code>.
        </NotFoundState>
      );
    }
    return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  }
  const g = q.data;
  return (
    <section>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/app/groups" className="text-slate-500 hover:text-slate-800 hover:underline">
          ← Groups
        </Link>
      </nav>
      <PageHeader
        title={g.name}
        description={
          <>
            <span className="flex flex-wrap items-center gap-x-3 gap-y-1">
              <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">{g.group_id}</code>
              <span>
                <strong className="font-semibold text-slate-700 tabular-nums">{g.member_count.toLocaleString()}</strong>{" "}
                member{g.member_count === 1 ? "" : "s"}
              </span>
              <span>
                created <DateTime iso={g.created_at} />
              </span>
            </span>
            {g.description && <p className="mt-2 max-w-3xl whitespace-pre-line text-slate-600">{g.description}</p>}
          </>
        }
        actions={
          canOperate && (
            <>
              <Button variant="primary" onClick={() => setAdding(true)}>
                Add members
              </Button>
              <DeleteGroupButton
                prominent
                groupId={g.group_id}
                name={g.name}
                onDeleted={() => router.push("/app/groups")}
              />
            </>
          )
        }
      />
      <h2 className="mb-3 text-base font-semibold tracking-tight text-slate-900">Members</h2>
      <GroupMembers groupId={g.group_id} groupName={g.name} canEdit={canOperate} onAdd={() => setAdding(true)} />
      {canOperate && (
        <AddMembersDialog open={adding} onClose={() => setAdding(false)} groupId={g.group_id} groupName={g.name} />
      )}
    </section>
  );
}
