"use client";

import Link from "next/link";
import { DeviceProgress, DeviceReason } from "@/components/ui/device-progress";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, Td, Th } from "@/components/ui/table";
import type { CampaignDevice } from "@/lib/api-client/types";
import { PreciseTime } from "@/components/ui/time";

/** The campaign's devices on this page of the server's paging. */
export function DeviceTable({ devices }: { devices: CampaignDevice[] }) {
  return (
    <DataTable
      label="Devices in this campaign"
      head={
        <>
          <Th>Device</Th>
          <Th>Status</Th>
          <Th>Progress</Th>
          <Th>Reason</Th>
          <Th>Started</Th>
          <Th>Completed</Th>
        </>
      }
    >
      {devices.map((d) => (
        <tr key={d.device_id}>
          <Td className="whitespace-nowrap">
            <Link
              href={`/app/devices/${encodeURIComponent(d.device_id)}`}
              prefetch={false}
              className="font-mono text-xs font-medium text-sky-800 hover:underline"
            >
              {d.device_id}
            </Link>
            {d.canary && (
              <span className="ml-2 rounded bg-amber-50 px-1.5 py-0.5 text-[11px] font-medium text-amber-800">
                canary
              </span>
            )}
          </Td>
          <Td className="whitespace-nowrap">
            <StatusBadge status={d.status} />
            {d.probe_count > 0 && (
              <span
                className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-[11px] font-medium text-slate-700"
                title={`Silent for the device timeout: its command was sent again ${d.probe_count === 1 ? "once" : `${d.probe_count} times`} before judging it${d.probed_at ? ` (last ${new Date(d.probed_at).toLocaleString()})` : ""}`}
              >
                asked again
              </span>
            )}
          </Td>
          <Td>
            <DeviceProgress status={d.status} progress={d.progress_pct} label={`Progress of ${d.device_id}`} />
          </Td>
          <Td className="max-w-72">
            <DeviceReason status={d.status} message={d.error_message} />
          </Td>
          <Td className="whitespace-nowrap text-slate-600">
            <PreciseTime iso={d.started_at} />
          </Td>
          <Td className="whitespace-nowrap text-slate-600">
            <PreciseTime iso={d.completed_at} />
          </Td>
        </tr>
      ))}
    </DataTable>
  );
}
