"use client";

import Link from "next/link";
import { useState } from "react";
import type { CampaignPreview } from "@/lib/api-client/campaigns";
import { useGroups } from "@/lib/api-client/groups";
import type { GroupList } from "@/lib/api-client/types";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { RadioCard, StepHeading } from "./radio-card";

export type GroupItem = GroupList["groups"][number];

const PAGE = 8;

/** "12 members, 10 eligible; skipped: 1 incompatible device type, 1 already up to date". */
export function eligibilitySummary(p: CampaignPreview): string {
  const skipped = Object.entries(p.skipped).filter(([, n]) => n > 0);
  const head = `${p.total_devices.toLocaleString()} member${p.total_devices === 1 ? "" : "s"}, ${p.eligible_devices.toLocaleString()} eligible`;
  return skipped.length
    ? `${head}; skipped: ${skipped.map(([reason, n]) => `${n.toLocaleString()} ${reason}`).join(", ")}`
    : head;
}

export interface PreviewState {
  isFetching: boolean;
  data?: CampaignPreview;
  error: Error | null;
}

export function GroupStep({
  headingId,
  firmwareLabel,
  selected,
  onSelect,
  preview,
  error,
}: {
  headingId: string;
  firmwareLabel: string;
  selected: GroupItem | null;
  onSelect: (g: GroupItem) => void;
  preview: PreviewState;
  error?: string;
}) {
  const [offset, setOffset] = useState(0);
  const groups = useGroups({ limit: PAGE, offset });
  const heading = (
    <StepHeading
      id={headingId}
      description={
        <>
          The devices that will get {firmwareLabel}. Devices of another type, already on it, or in another active
          campaign are skipped.
        </>
      }
    >
      Pick a target group
    </StepHeading>
  );
  if (groups.isPending)
    return (
      <>
        {heading}
        <Loading label="Loading groups…" />
      </>
    );
  if (groups.isError)
    return (
      <>
        {heading}
        <ErrorState error={groups.error} retry={() => void groups.refetch()} />
      </>
    );
  if (groups.data.total === 0) {
    return (
      <>
        {heading}
        <Empty title="No device groups yet">
          A campaign targets a group of devices.{" "}
          <Link href="/app/groups" className="font-medium text-sky-700 underline">
            Create a group
          </Link>
          , then come back here.
        </Empty>
      </>
    );
  }
  return (
    <>
      {heading}
      {error && (
        <p className="mb-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{error}</p>
      )}
      <fieldset className="min-w-0">
        <legend className="sr-only">Target group</legend>
        <div className="grid grid-cols-1 gap-2">
          {groups.data.groups.map((g) => (
            <RadioCard
              key={g.group_id}
              name="group"
              value={g.group_id}
              checked={selected?.group_id === g.group_id}
              onSelect={() => onSelect(g)}
              title={g.name}
              details={<span className="font-mono">{g.group_id}</span>}
              aside={
                <span className="tabular-nums">
                  {g.member_count.toLocaleString()} member{g.member_count === 1 ? "" : "s"}
                </span>
              }
            />
          ))}
        </div>
      </fieldset>
      <Pagination total={groups.data.total} limit={PAGE} offset={offset} onOffset={setOffset} label="Group pages" />
      {selected && <Eligibility group={selected} preview={preview} />}
    </>
  );
}

/** How many members of the chosen group would really be updated, from the API's dry run. */
function Eligibility({ group, preview }: { group: GroupItem; preview: PreviewState }) {
  return (
    <section aria-label="Eligibility" aria-live="polite" className="mt-4">
      {preview.isFetching && !preview.data ? (
        <Loading label={`Checking ${group.name}…`} />
      ) : preview.error ? (
        <p className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          <span className="font-medium">This group cannot take this firmware:</span> {preview.error.message}
        </p>
      ) : preview.data ? (
        <div
          className={`rounded-md border px-3 py-2 text-sm ${
            preview.data.eligible_devices > 0
              ? "border-emerald-200 bg-emerald-50 text-emerald-900"
              : "border-amber-200 bg-amber-50 text-amber-900"
          }`}
        >
          <p className="font-medium">{eligibilitySummary(preview.data)}</p>
          {preview.data.eligible_devices === 0 && (
            <p className="mt-1">No member of this group can take this firmware: pick another group.</p>
          )}
        </div>
      ) : null}
    </section>
  );
}
