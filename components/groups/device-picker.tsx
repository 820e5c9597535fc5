"use client";

import { useMemo, useState } from "react";
import { FILTER_INPUT } from "@/components/ui/field";
import { useDevices } from "@/lib/api-client/devices";
import { DeviceText } from "@/components/ui/device-text";

/** How many devices the picker offers; beyond that, ids are typed (or pasted). */
const PICKABLE = 200;

/** The tenant's devices that are not in the group yet, as checkboxes, with a search box. */
export function DevicePicker({
  groupId,
  picked,
  onChange,
}: {
  groupId: string;
  picked: Set<string>;
  onChange: (s: Set<string>) => void;
}) {
  const [search, setSearch] = useState("");
  const all = useDevices({ limit: PICKABLE, offset: 0 });
  const members = useDevices({ group_id: groupId, limit: PICKABLE, offset: 0 });
  const candidates = useMemo(() => {
    const inGroup = new Set(members.data?.devices.map((d) => d.device_id));
    return (all.data?.devices ?? []).filter((d) => !inGroup.has(d.device_id));
  }, [all.data, members.data]);
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? candidates.filter(
        (d) => d.device_id.toLowerCase().includes(needle) || d.device_type?.toLowerCase().includes(needle),
      )
    : candidates;

  const toggle = (id: string) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onChange(next);
  };

  return (
    <fieldset className="rounded-lg border border-slate-200">
      <legend className="ml-3 px-1 text-sm font-medium text-slate-800">Or pick devices not in this group</legend>
      <div className="px-3 pt-1 pb-2">
        <label className="block text-xs font-medium text-slate-600">
          Search devices
          <input
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Id or type"
            className={`${FILTER_INPUT} sm:w-full`}
          />
        </label>
      </div>
      {all.isPending || members.isPending ? (
        <p className="px-3 pb-3 text-sm text-slate-500">Loading devices…</p>
      ) : all.isError ? (
        <p className="px-3 pb-3 text-sm text-red-700">
          Could not load your devices: {all.error.message}. You can still type ids above.
        </p>
      ) : candidates.length === 0 ? (
        <p className="px-3 pb-3 text-sm text-slate-500">Every device you have is already in this group.</p>
      ) : (
        <>
          <ul className="max-h-52 divide-y divide-slate-100 overflow-y-auto border-t border-slate-100">
            {shown.map((d) => (
              <li key={d.device_id}>
                <label className="flex cursor-pointer items-center gap-3 px-3 py-1.5 text-sm hover:bg-slate-50">
                  <input
                    type="checkbox"
                    checked={picked.has(d.device_id)}
                    onChange={() => toggle(d.device_id)}
                    className="size-4 rounded border-slate-300 accent-sky-700"
                  />
                  <span className="font-mono text-[13px]">{d.device_id}</span>
                  <span className="ml-auto text-xs text-slate-500">
                    {d.device_type}
                    {d.device_type && d.fw_version && " · "}
                    {d.fw_version && <DeviceText value={d.fw_version} />}
                  </span>
                </label>
              </li>
            ))}
            {shown.length === 0 && <li className="px-3 py-2 text-sm text-slate-500">No device matches “{search}”.</li>}
          </ul>
          {(all.data?.total ?? 0) > PICKABLE && (
            <p className="border-t border-slate-100 px-3 py-2 text-xs text-slate-500">
              Showing your first {PICKABLE} devices; type the ids of others above.
            </p>
          )}
        </>
      )}
    </fieldset>
  );
}
