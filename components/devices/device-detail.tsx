"use client";

import Link from "next/link";
import type { ReactNode } from "react";
import { useCan } from "@/components/session";
import { isNotFound } from "@/components/ui/api-errors";
import { ErrorState, Loading } from "@/components/ui/states";
import { NotFoundState } from "@/components/ui/not-found";
import { PageHeader } from "@/components/ui/table";
import { DateTime, RelativeTime } from "@/components/ui/time";
import { useDevice } from "@/lib/api-client/devices";
import type { Device } from "@/lib/api-client/types";
import { DeleteDeviceButton } from "./delete-device";
import { OtaHistory } from "./ota-history";
import { RekeyDeviceButton } from "./rekey-device";
import { DeviceText } from "@/components/ui/device-text";

/** /app/devices/[device_id]: what the device is, which groups it is in, and every update it took part in. */
export function DeviceDetail({ deviceId }: { deviceId: string }) {
  const canOperate = useCan("operator");
  const q = useDevice(deviceId);

  if (q.isPending) return <Loading label="Loading device…" />;
  if (q.isError) {
    if (isNotFound(q.error)) {
      return (
        <NotFoundState title="Device not found" backHref="/app/devices" backLabel="All devices">
          No device <code className="font-mono">{deviceId}</code> is registered to your fleet.
        </NotFoundState>
      );
    }
    return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  }
  const d = q.data;
  return (
    <section>
      <Breadcrumb />
      <PageHeader
        title={<span className="font-mono">{d.device_id}</span>}
        description={d.device_type ? `A ${d.device_type} device` : "A device of no declared type"}
        actions={
          canOperate && (
            <>
              <RekeyDeviceButton deviceId={d.device_id} hasCredentials={d.has_credentials} />
              <DeleteDeviceButton deviceId={d.device_id} />
            </>
          )
        }
      />
      <DeviceFacts device={d} />
      <h2 className="mt-8 mb-3 text-base font-semibold tracking-tight text-slate-900">OTA history</h2>
      <OtaHistory deviceId={d.device_id} />
    </section>
  );
}

function Breadcrumb() {
  return (
    <nav aria-label="Breadcrumb" className="mb-2 text-sm">
      <Link href="/app/devices" className="text-slate-500 hover:text-slate-800 hover:underline">
        ← Devices
      </Link>
    </nav>
  );
}

function DeviceFacts({ device: d }: { device: Device }) {
  return (
    <dl
      aria-label="Device details"
      className="grid grid-cols-2 gap-px overflow-hidden rounded-lg border border-slate-200 bg-slate-200 shadow-sm lg:grid-cols-6"
    >
      <Fact term="Type">{d.device_type ?? <span className="text-slate-500">—</span>}</Fact>
      <Fact term="Firmware version">
        {d.fw_version ? (
          <DeviceText value={d.fw_version} className="font-mono" />
        ) : (
          <span className="text-slate-500">unknown</span>
        )}
      </Fact>
      <Fact term="Last seen">
        <RelativeTime iso={d.last_seen_at} />
      </Fact>
      <Fact term="Registered">
        <DateTime iso={d.created_at} />
      </Fact>
      <Fact term="MQTT credentials" wide>
        <Credentials device={d} />
      </Fact>
      <Fact term="Groups" wide>
        {d.groups.length === 0 ? (
          <span className="text-slate-500">None</span>
        ) : (
          <ul className="flex flex-wrap gap-1">
            {d.groups.map((g) => (
              <li key={g.group_id}>
                <Link
                  href={`/app/groups/${encodeURIComponent(g.group_id)}`}
                  className="inline-block rounded-full bg-sky-50 px-2 py-0.5 text-xs font-medium text-sky-800 hover:bg-sky-100"
                >
                  {g.name}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </Fact>
    </dl>
  );
}

/** Whether the device can connect to the broker, and since when its current password is valid. */
function Credentials({ device: d }: { device: Device }) {
  if (!d.has_credentials) return <span className="text-amber-800">None: it cannot connect</span>;
  return (
    <>
      Issued <RelativeTime iso={d.credentials_issued_at} />
    </>
  );
}

function Fact({ term, children, wide = false }: { term: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={`bg-white px-4 py-3 ${wide ? "col-span-2 lg:col-span-1" : ""}`}>
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{term}</dt>
      <dd className="mt-1 text-sm text-slate-900">{children}</dd>
    </div>
  );
}
