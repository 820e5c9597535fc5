"use client";

import Link from "next/link";
import { useEffect, useRef } from "react";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { ApiError } from "@/lib/api-client/http";
import { stillChanging, useCampaign, useCampaignDevices } from "@/lib/api-client/campaigns";
import type { Campaign } from "@/lib/api-client/types";
import type { DeviceStatus } from "@/lib/rules/statuses";
import { CampaignHeader } from "./campaign-header";
import { CampaignStats } from "./campaign-stats";
import { DeviceTable } from "./device-table";
import { FinishedChart } from "./finished-chart";
import { eligibleOf } from "@/components/ui/progress";
import { DEVICE_LIMIT, DEVICE_STATUS_LABEL, deviceQueryFromUrl, pageFromOffset } from "./rules";
import { StatusChips } from "./status-chips";
import { useMounted } from "@/components/ui/use-mounted";
import { useProgressSamples } from "./use-samples";
import { useUrlParams } from "./use-url-params";

export function NotFound() {
  return (
    <Empty title="Campaign not found">
      It does not exist, or it belongs to another tenant.{" "}
      <Link href="/app/ota/campaigns" className="font-medium text-sky-800 underline">
        Back to all campaigns
      </Link>
    </Empty>
  );
}

type DevicesQuery = ReturnType<typeof useCampaignDevices>;

/**
 * /app/ota/campaigns/[id]: the live view of one campaign, refreshed while it runs or
 * is paused. The campaign and its devices load side by side (no waterfall); the
 * device table's filter and page live in the URL.
 */
export function CampaignDetail({ id }: { id: number }) {
  const [params, setParams] = useUrlParams();
  const deviceQuery = deviceQueryFromUrl(params.get("status"), params.get("page"));
  const q = useCampaign(id);
  const devices = useCampaignDevices(id, deviceQuery, q.data);
  // The server prefetched the data into the cache; rendering it waits for the browser's
  // locale and clock (see useMounted), then needs no request.
  const mounted = useMounted();
  if (!mounted || q.isPending) return <Loading label="Loading campaign…" />;
  if (q.isError) {
    if (q.error instanceof ApiError && q.error.status === 404) return <NotFound />;
    return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  }
  return (
    <LiveCampaign
      campaign={q.data}
      updatedAt={q.dataUpdatedAt}
      stale={q.isRefetchError}
      devices={devices}
      filter={deviceQuery.status}
      offset={deviceQuery.offset}
      onFilter={(status) => setParams({ status, page: undefined })}
      onOffset={(o) => setParams({ page: pageFromOffset(o, DEVICE_LIMIT) })}
    />
  );
}

function LiveCampaign({
  campaign: c,
  updatedAt,
  stale,
  devices,
  filter,
  offset,
  onFilter,
  onOffset,
}: {
  campaign: Campaign;
  updatedAt: number;
  stale: boolean;
  devices: DevicesQuery;
  filter: DeviceStatus | undefined;
  offset: number;
  onFilter: (s: DeviceStatus | undefined) => void;
  onOffset: (offset: number) => void;
}) {
  const b = c.status_breakdown;
  const samples = useProgressSamples(c.id, updatedAt, {
    finished: b.SUCCESS + b.FAILED,
    failed: b.FAILED,
    running: c.status === "RUNNING",
  });

  // Polling stops once the campaign is over and no device is still finishing: fetch the
  // devices once more, so that the table shows their final state and not the last poll's.
  const polling = stillChanging(c);
  const previous = useRef(polling);
  const refetchDevices = devices.refetch;
  useEffect(() => {
    if (previous.current && !polling) void refetchDevices();
    previous.current = polling;
  }, [polling, refetchDevices]);

  const eligible = eligibleOf(c);
  return (
    <div className="space-y-6">
      <CampaignHeader campaign={c} live={{ polling, stale }} />
      <CampaignStats campaign={c} samples={samples} />
      <FinishedChart samples={samples} eligible={eligible} />

      <section aria-labelledby="devices-heading" className="space-y-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="devices-heading" className="text-base font-semibold text-slate-900">
            Devices
          </h2>
          {devices.isFetching && !devices.isPending && (
            <span className="text-xs text-slate-600" aria-hidden>
              Updating…
            </span>
          )}
        </div>
        <StatusChips breakdown={b} selected={filter} onSelect={onFilter} />
        {devices.isPending ? (
          <Loading label="Loading devices…" />
        ) : devices.isError ? (
          <ErrorState error={devices.error} retry={() => void devices.refetch()} />
        ) : devices.data.devices.length === 0 ? (
          devices.data.total > 0 ? (
            <Empty title="No devices on this page">
              <button type="button" className="font-medium text-sky-800 underline" onClick={() => onOffset(0)}>
                Go to the first page
              </button>
            </Empty>
          ) : (
            <Empty
              title={filter ? `No ${DEVICE_STATUS_LABEL[filter].toLowerCase()} devices` : "No devices in this campaign"}
            >
              {filter ? "Choose “All” to see every device." : null}
            </Empty>
          )
        ) : (
          <>
            <div className={devices.isPlaceholderData ? "opacity-60 transition-opacity" : undefined}>
              <DeviceTable devices={devices.data.devices} />
            </div>
            <Pagination
              total={devices.data.total}
              limit={DEVICE_LIMIT}
              offset={offset}
              onOffset={onOffset}
              label="Device pages"
            />
          </>
        )}
      </section>
    </div>
  );
}
