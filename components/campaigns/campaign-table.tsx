"use client";

import Link from "next/link";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import type { CampaignListItem } from "@/lib/api-client/types";
import { CampaignActions } from "./campaign-actions";
import { CampaignProgress } from "./campaign-progress";
import { strategyText } from "./rules";

/** One row per campaign; the actions column only for those who may act. */
export function CampaignTable({ campaigns, withActions }: { campaigns: CampaignListItem[]; withActions: boolean }) {
  return (
    <DataTable
      label="Campaigns"
      head={
        <>
          <Th>Name</Th>
          <Th>Status</Th>
          <Th>Firmware</Th>
          <Th>Target group</Th>
          <Th>Strategy</Th>
          <Th>Progress</Th>
          <Th>Created</Th>
          {withActions && (
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          )}
        </>
      }
    >
      {campaigns.map((c) => (
        <tr key={c.id} className="hover:bg-slate-50/60">
          <Td className="max-w-64">
            <Link href={`/app/ota/campaigns/${c.id}`} className="font-medium text-sky-800 hover:underline">
              {c.name}
            </Link>
          </Td>
          <Td>
            <StatusBadge status={c.status} />
          </Td>
          <Td className="whitespace-nowrap">
            <span className="font-mono text-xs text-slate-800">{c.firmware_version}</span>
            {c.firmware_device_type && <span className="ml-1.5 text-xs text-slate-500">{c.firmware_device_type}</span>}
          </Td>
          <Td className="whitespace-nowrap text-slate-700">{c.target_group_id}</Td>
          <Td className="whitespace-nowrap text-slate-700">{strategyText(c)}</Td>
          <Td>
            <CampaignProgress campaign={c} />
          </Td>
          <Td className="whitespace-nowrap text-slate-500">
            <DateTime iso={c.created_at} />
          </Td>
          {withActions && (
            <Td className="whitespace-nowrap">
              <CampaignActions
                campaign={{ id: c.id, name: c.name, status: c.status, pending: c.status_breakdown.PENDING }}
              />
            </Td>
          )}
        </tr>
      ))}
    </DataTable>
  );
}
