"use client";

import { useState } from "react";
import { useCan } from "@/components/session";
import { Button } from "@/components/ui/button";
import { FILTER_INPUT } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/table";
import { useDebounced } from "@/components/ui/use-debounced";
import { useFirmwareList } from "@/lib/api-client/firmware";
import { AddFirmwareDialog } from "./add-firmware-dialog";
import { FirmwareTable } from "./firmware-table";

const LIMIT = 25;

/** /app/ota/firmware: the tenant's firmware versions, newest first, filterable by device type. */
export function FirmwareLibrary() {
  const canOperate = useCan("operator");
  const [deviceType, setDeviceType] = useState("");
  const [offset, setOffset] = useState(0);
  const [adding, setAdding] = useState(false);
  const filter = useDebounced(deviceType.trim());
  const q = useFirmwareList({ device_type: filter || undefined, limit: LIMIT, offset });
  const total = q.data?.total;

  return (
    <section>
      <PageHeader
        title="Firmware"
        description={
          total === undefined
            ? "The versions your devices can be updated to."
            : `${total.toLocaleString()} version${total === 1 ? "" : "s"}${filter ? ` for ${filter}` : ""}`
        }
        actions={
          canOperate && (
            <Button variant="primary" onClick={() => setAdding(true)}>
              Add firmware
            </Button>
          )
        }
      />
      <div className="mb-4">
        <label className="block text-xs font-medium text-slate-600">
          Device type
          <input
            type="search"
            value={deviceType}
            placeholder="All device types"
            onChange={(e) => {
              setDeviceType(e.target.value);
              setOffset(0);
            }}
            className={FILTER_INPUT}
          />
        </label>
      </div>

      {q.isPending ? (
        <Loading label="Loading firmware…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.firmware_versions.length === 0 ? (
        filter ? (
          <Empty title={`No firmware for device type “${filter}”`}>Clear the filter to see every version.</Empty>
        ) : (
          <Empty title="No firmware yet">
            {canOperate
              ? "Upload a binary or register one by URL with “Add firmware”."
              : "An operator can add firmware versions here."}
          </Empty>
        )
      ) : (
        <>
          <FirmwareTable firmware={q.data.firmware_versions} canDelete={canOperate} />
          <Pagination total={q.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} label="Firmware pages" />
        </>
      )}

      <AddFirmwareDialog open={adding} onClose={() => setAdding(false)} />
    </section>
  );
}
