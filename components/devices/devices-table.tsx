"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { DataTable, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import type { DeviceList } from "@/lib/api-client/types";
import { DeviceText } from "@/components/ui/device-text";

type Row = DeviceList["devices"][number];

export const deviceHref = (id: string) => `/app/devices/${encodeURIComponent(id)}`;

/** Devices with a link to each; `action` adds a last column (e.g. "Remove" on a group page). */
export function DevicesTable({
  devices,
  label,
  action,
}: {
  devices: Row[];
  label: string;
  action?: (d: Row) => ReactNode;
}) {
  return (
    <DataTable
      label={label}
      head={
        <>
          <Th>Device ID</Th>
          <Th>Type</Th>
          <Th>Firmware</Th>
          <Th>Last seen</Th>
          {action && (
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          )}
        </>
      }
    >
      {devices.map((d) => (
        <tr key={d.device_id} className="hover:bg-slate-50/60">
          <Td className="whitespace-nowrap">
            <Link
              href={deviceHref(d.device_id)}
              className="font-mono text-[13px] font-medium text-sky-800 hover:underline"
            >
              {d.device_id}
            </Link>
          </Td>
          <Td className="whitespace-nowrap">{d.device_type ?? <span className="text-slate-500">—</span>}</Td>
          <Td className="whitespace-nowrap font-mono text-[13px]">
            {d.fw_version ? (
              <DeviceText value={d.fw_version} />
            ) : (
              <span className="font-sans text-slate-500">unknown</span>
            )}
          </Td>
          <Td className="whitespace-nowrap text-slate-600">
            <RelativeTime iso={d.last_seen_at} />
          </Td>
          {action && <Td className="text-right">{action(d)}</Td>}
        </tr>
      ))}
    </DataTable>
  );
}
