"use client";

import Link from "next/link";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import type { CampaignListItem } from "@/lib/api-client/types";
import { CampaignActions } from "./campaign-actions";
import { CampaignProgress } from "./campaign-progress";
import { strategyText } from "./rules";

const actionsOf = (c: CampaignListItem) => ({
  id: c.id,
  name: c.name,
  status: c.status,
  pending: c.status_breakdown.PENDING,
});

/**
 * Every campaign with its progress and legal actions (those only for who may act). A
 * table from `lg` up, narrow enough to show its actions at a laptop's width without
 * scrolling (what is rolled out where shares one column, the creation date sits under
 * the name); a list of cards below that, so that a phone shows everything, not just the
 * first two columns of a table scrolled sideways.
 */
export function CampaignTable({ campaigns, withActions }: { campaigns: CampaignListItem[]; withActions: boolean }) {
  return (
    <>
      <div className="hidden lg:block">
        <DataTable
          label="Campaigns"
          head={
            <>
              <Th>Name</Th>
              <Th>Status</Th>
              <Th>Rollout</Th>
              <Th>Progress</Th>
              {withActions && <Th>Actions</Th>}
            </>
          }
        >
          {campaigns.map((c) => (
            <tr key={c.id} className="hover:bg-slate-50/60">
              <Td className="max-w-64">
                <Link href={`/app/ota/campaigns/${c.id}`} className="font-medium text-sky-800 hover:underline">
                  {c.name}
                </Link>
                <span className="block text-xs whitespace-nowrap text-slate-600">
                  Created <DateTime iso={c.created_at} />
                </span>
              </Td>
              <Td>
                <StatusBadge status={c.status} />
              </Td>
              <Td>
                <Rollout campaign={c} />
              </Td>
              <Td>
                <CampaignProgress campaign={c} />
              </Td>
              {withActions && (
                <Td className="whitespace-nowrap">
                  <CampaignActions campaign={actionsOf(c)} />
                </Td>
              )}
            </tr>
          ))}
        </DataTable>
      </div>
      <ul aria-label="Campaigns" className="space-y-3 lg:hidden">
        {campaigns.map((c) => (
          <li key={c.id} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <div className="flex flex-wrap items-start justify-between gap-2">
              <Link
                href={`/app/ota/campaigns/${c.id}`}
                className="min-w-0 font-medium break-words text-sky-800 hover:underline"
              >
                {c.name}
              </Link>
              <StatusBadge status={c.status} />
            </div>
            <div className="mt-2 text-sm">
              <Rollout campaign={c} />
            </div>
            <div className="mt-3">
              <CampaignProgress campaign={c} />
            </div>
            <div className="mt-3 flex flex-wrap items-center justify-between gap-2">
              <span className="text-xs text-slate-600">
                Created <DateTime iso={c.created_at} />
              </span>
              {withActions && <CampaignActions campaign={actionsOf(c)} />}
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The firmware, its device type, the group it goes to and how. */
function Rollout({ campaign: c }: { campaign: CampaignListItem }) {
  return (
    <span className="block text-slate-700">
      <span className="font-mono text-xs text-slate-800">{c.firmware_version}</span>
      {c.firmware_device_type && <span className="ml-1.5 text-xs text-slate-600">{c.firmware_device_type}</span>}
      <span className="block text-xs">
        to <span className="font-medium">{c.target_group_id}</span> · {strategyText(c)}
      </span>
    </span>
  );
}
