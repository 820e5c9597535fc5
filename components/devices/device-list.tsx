"use client";

import { useState } from "react";
import { useCan } from "@/components/session";
import { Button } from "@/components/ui/button";
import { FILTER_INPUT } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/table";
import { useDebounced } from "@/components/ui/use-debounced";
import { useDevices } from "@/lib/api-client/devices";
import { useGroups } from "@/lib/api-client/groups";
import { DevicesTable } from "./devices-table";
import { ImportDevicesDialog } from "./import-devices-dialog";
import { RegisterDeviceDialog } from "./register-device-dialog";

const LIMIT = 50;
/** Enough groups for the filter's select; a tenant with more types the id into the URL of the group page instead. */
const GROUP_OPTIONS = 200;

/** /app/devices: the tenant's devices by id, filterable by type, firmware version and group. */
export function DeviceList() {
  const canOperate = useCan("operator");
  const [type, setType] = useState("");
  const [version, setVersion] = useState("");
  const [group, setGroup] = useState("");
  const [offset, setOffset] = useState(0);
  const [registering, setRegistering] = useState(false);
  const [importing, setImporting] = useState(false);
  const filters = {
    device_type: useDebounced(type.trim()) || undefined,
    fw_version: useDebounced(version.trim()) || undefined,
  };
  const groups = useGroups({ limit: GROUP_OPTIONS, offset: 0 });
  const q = useDevices({ ...filters, group_id: group || undefined, limit: LIMIT, offset });
  const filtered = Boolean(filters.device_type || filters.fw_version || group);
  const total = q.data?.total;

  // Any filter change starts again at the first page.
  const change = (set: (v: string) => void) => (v: string) => {
    set(v);
    setOffset(0);
  };

  return (
    <section>
      <PageHeader
        title="Devices"
        description={
          total === undefined
            ? "Every device registered to your fleet."
            : `${total.toLocaleString()} device${total === 1 ? "" : "s"}${filtered ? " match the filters" : ""}`
        }
        actions={
          canOperate && (
            <>
              <Button onClick={() => setImporting(true)}>Import devices (CSV)</Button>
              <Button variant="primary" onClick={() => setRegistering(true)}>
                Register device
              </Button>
            </>
          )
        }
      />
      <div
        role="search"
        aria-label="Filter devices"
        className="mb-4 grid grid-cols-2 items-end gap-3 sm:flex sm:flex-wrap"
      >
        <FilterText label="Device type" value={type} onChange={change(setType)} placeholder="Any type" />
        <FilterText label="Firmware version" value={version} onChange={change(setVersion)} placeholder="Any version" />
        <label className="col-span-2 block text-xs font-medium text-slate-600">
          Group
          <select value={group} onChange={(e) => change(setGroup)(e.target.value)} className={FILTER_INPUT}>
            <option value="">All groups</option>
            {groups.data?.groups.map((g) => (
              <option key={g.group_id} value={g.group_id}>
                {g.name} ({g.member_count})
              </option>
            ))}
          </select>
        </label>
        {filtered && (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => {
              setType("");
              setVersion("");
              setGroup("");
              setOffset(0);
            }}
          >
            Clear filters
          </Button>
        )}
      </div>

      {q.isPending ? (
        <Loading label="Loading devices…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.devices.length === 0 ? (
        filtered ? (
          <Empty title="No devices match these filters">Change or clear the filters.</Empty>
        ) : (
          <Empty title="No devices yet">
            Devices appear here once registered
            {canOperate ? ": use “Register device”, or “Import devices (CSV)” for many at once." : "."}
          </Empty>
        )
      ) : (
        <>
          <DevicesTable devices={q.data.devices} label="Devices" />
          <Pagination total={q.data.total} limit={LIMIT} offset={offset} onOffset={setOffset} label="Device pages" />
        </>
      )}

      <RegisterDeviceDialog open={registering} onClose={() => setRegistering(false)} />
      <ImportDevicesDialog open={importing} onClose={() => setImporting(false)} />
    </section>
  );
}

function FilterText({
  label,
  value,
  onChange,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder: string;
}) {
  return (
    <label className="block text-xs font-medium text-slate-600">
      {label}
      <input
        type="search"
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange(e.target.value)}
        className={FILTER_INPUT}
      />
    </label>
  );
}
