"use client";

import Link from "next/link";
import { useState } from "react";
import { Pagination } from "@/components/ui/pagination";
import { DeviceProgress, DeviceReason } from "@/components/ui/device-progress";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { StatusBadge } from "@/components/ui/status-badge";
import { DataTable, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import { useDeviceHistory } from "@/lib/api-client/devices";

const LIMIT = 20;

/** Every campaign the device was part of, newest first. */
export function OtaHistory({ deviceId }: { deviceId: string }) {
  const [offset, setOffset] = useState(0);
  const q = useDeviceHistory(deviceId, { limit: LIMIT, offset });
  if (q.isPending) return <Loading label="Loading OTA history…" />;
  if (q.isError) return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  if (q.data.history.length === 0)
    return <Empty title="No OTA updates yet">This device has not been part of any campaign.</Empty>;
  return (
    <>
      <DataTable
        label="OTA history"
        head={
          <>
            <Th>Campaign</Th>
            <Th>Firmware</Th>
            <Th>Status</Th>
            <Th>Progress</Th>
            <Th>Reason</Th>
            <Th>Started</Th>
            <Th>Completed</Th>
          </>
        }
      >
        {q.data.history.map((h) => (
          <tr key={h.campaign_id} className="hover:bg-slate-50/60">
            <Td className="whitespace-nowrap">
              <Link href={`/app/ota/campaigns/${h.campaign_id}`} className="font-medium text-sky-800 hover:underline">
                {h.campaign_name}
              </Link>
            </Td>
            <Td className="whitespace-nowrap font-mono text-[13px]">{h.firmware_version}</Td>
            <Td>
              <StatusBadge status={h.status} />
            </Td>
            <Td>
              <DeviceProgress status={h.status} progress={h.progress_pct} label={`Progress in ${h.campaign_name}`} />
            </Td>
            <Td className="max-w-xs">
              <DeviceReason status={h.status} message={h.error_message} />
            </Td>
            <Td className="whitespace-nowrap text-slate-600">
              <DateTime iso={h.started_at} />
            </Td>
            <Td className="whitespace-nowrap text-slate-600">
              <DateTime iso={h.completed_at} />
            </Td>
          </tr>
        ))}
      </DataTable>
      <Pagination total={q.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} label="OTA history pages" />
    </>
  );
}
