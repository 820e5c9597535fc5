"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { useFirmwareList } from "@/lib/api-client/firmware";
import type { Firmware } from "@/lib/api-client/types";
import { FILTER_INPUT } from "@/components/ui/field";
import { formatBytes, formatDateTime } from "@/components/ui/format";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { RadioCard, StepHeading } from "./radio-card";

const PAGE = 8;
// Enough firmware to list every device type a tenant has, in one request.
const TYPES_SAMPLE = 200;

export function FirmwareStep({
  headingId,
  selected,
  onSelect,
  error,
}: {
  headingId: string;
  selected: Firmware | null;
  onSelect: (fw: Firmware) => void;
  error?: string;
}) {
  const [deviceType, setDeviceType] = useState("");
  const [offset, setOffset] = useState(0);
  const all = useFirmwareList({ limit: TYPES_SAMPLE, offset: 0 });
  const page = useFirmwareList({ device_type: deviceType || undefined, limit: PAGE, offset });
  const types = useMemo(
    () =>
      [
        ...new Set((all.data?.firmware_versions ?? []).map((f) => f.device_type).filter((t): t is string => !!t)),
      ].sort(),
    [all.data],
  );

  const heading = (
    <StepHeading id={headingId} description="The build every eligible device in the group will install.">
      Pick a firmware version
    </StepHeading>
  );
  if (all.isPending)
    return (
      <>
        {heading}
        <Loading label="Loading firmware…" />
      </>
    );
  if (all.isError)
    return (
      <>
        {heading}
        <ErrorState error={all.error} retry={() => void all.refetch()} />
      </>
    );
  if (all.data.total === 0) {
    return (
      <>
        {heading}
        <Empty title="No firmware yet">
          A campaign rolls out a firmware version from your library.{" "}
          <Link href="/app/ota/firmware" className="font-medium text-sky-700 underline">
            Add firmware in the library
          </Link>
          , then come back here.
        </Empty>
      </>
    );
  }

  const list = page.data?.firmware_versions ?? [];
  return (
    <>
      {heading}
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <label className="text-sm font-medium text-slate-700">
          Device type
          <select
            value={deviceType}
            onChange={(e) => {
              setDeviceType(e.target.value);
              setOffset(0);
            }}
            className={FILTER_INPUT}
          >
            <option value="">All device types</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {page.data && (
          <p className="pb-1.5 text-xs text-slate-500">
            {page.data.total.toLocaleString()} version{page.data.total === 1 ? "" : "s"}
            {deviceType ? ` for ${deviceType}` : ""}
          </p>
        )}
      </div>
      {error && (
        <p className="mb-3 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">{error}</p>
      )}
      {page.isPending ? (
        <Loading label="Loading firmware…" />
      ) : page.isError ? (
        <ErrorState error={page.error} retry={() => void page.refetch()} />
      ) : list.length === 0 ? (
        <Empty title={`No firmware for ${deviceType}`}>Choose another device type.</Empty>
      ) : (
        <fieldset className="min-w-0">
          <legend className="sr-only">Firmware version</legend>
          <div className="grid grid-cols-1 gap-2">
            {list.map((fw) => (
              <RadioCard
                key={fw.id}
                name="firmware"
                value={String(fw.id)}
                checked={selected?.id === fw.id}
                onSelect={() => onSelect(fw)}
                title={
                  <span className="flex flex-wrap items-center gap-2">
                    <span className="min-w-0 font-mono break-all">{fw.version}</span>
                    <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600">
                      {fw.device_type ?? "any device type"}
                    </span>
                    {!fw.checksum_sha256 && (
                      <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-800">
                        no checksum
                      </span>
                    )}
                  </span>
                }
                details={
                  <>
                    {formatBytes(fw.file_size_bytes)} · created {formatDateTime(fw.created_at)}
                    {fw.description && <span className="mt-0.5 block truncate">{fw.description}</span>}
                  </>
                }
              />
            ))}
          </div>
        </fieldset>
      )}
      {page.data && (
        <Pagination total={page.data.total} limit={PAGE} offset={offset} onOffset={setOffset} label="Firmware pages" />
      )}
    </>
  );
}
