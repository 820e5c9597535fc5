"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { formatBytes } from "@/components/ui/format";
import { DataTable, Td, Th } from "@/components/ui/table";
import { DateTime } from "@/components/ui/time";
import type { Firmware } from "@/lib/api-client/types";
import { DeleteFirmwareButton } from "./delete-firmware";

/** The first 12 hex digits identify a binary at a glance; the full value is copied. */
export function ShortSha({ sha, version }: { sha: string | null; version: string }) {
  if (!sha)
    return (
      <span className="text-slate-500" title="Registered without a checksum">
        —
      </span>
    );
  return (
    <span className="inline-flex items-center gap-1">
      <code title={sha} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
        {sha.slice(0, 12)}…
      </code>
      <CopyButton text={sha} label={`Copy SHA-256 of ${version}`} what={`SHA-256 of ${version} copied`} />
    </span>
  );
}

export function FirmwareTable({ firmware, canDelete }: { firmware: Firmware[]; canDelete: boolean }) {
  return (
    <DataTable
      label="Firmware library"
      head={
        <>
          <Th>Version</Th>
          <Th className="hidden md:table-cell">Description</Th>
          <Th>Device type</Th>
          <Th className="text-right">Size</Th>
          <Th>SHA-256</Th>
          <Th>Created</Th>
          {canDelete && (
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          )}
        </>
      }
    >
      {firmware.map((f) => (
        <tr key={f.id} className="hover:bg-slate-50/60">
          <Td className="whitespace-nowrap">
            <span className="font-medium text-slate-900">{f.version}</span>
            {/* On phones the description column is hidden: a line of it goes under the version instead. */}
            {f.description && (
              <span className="block max-w-40 truncate text-xs text-slate-500 md:hidden">{f.description}</span>
            )}
          </Td>
          <Td className="hidden max-w-xs truncate text-slate-600 md:table-cell" title={f.description ?? undefined}>
            {f.description || <span className="text-slate-500">—</span>}
          </Td>
          <Td className="whitespace-nowrap">
            {f.device_type ? (
              <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
                {f.device_type}
              </span>
            ) : (
              <span className="text-slate-500" title="Any device type">
                any
              </span>
            )}
          </Td>
          <Td
            className="text-right whitespace-nowrap tabular-nums"
            title={f.file_size_bytes === null ? undefined : `${f.file_size_bytes.toLocaleString()} bytes`}
          >
            {formatBytes(f.file_size_bytes)}
          </Td>
          <Td className="whitespace-nowrap">
            <ShortSha sha={f.checksum_sha256} version={f.version} />
          </Td>
          <Td className="whitespace-nowrap text-slate-500">
            <DateTime iso={f.created_at} />
          </Td>
          {canDelete && (
            <Td className="text-right">
              <DeleteFirmwareButton firmware={f} />
            </Td>
          )}
        </tr>
      ))}
    </DataTable>
  );
}
