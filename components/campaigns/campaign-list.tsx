"use client";

import Link from "next/link";
import { useCan } from "@/components/session";
import { FILTER_INPUT } from "@/components/ui/field";
import { Pagination } from "@/components/ui/pagination";
import { Empty, ErrorState, Loading } from "@/components/ui/states";
import { PageHeader } from "@/components/ui/table";
import { useCampaigns } from "@/lib/api-client/campaigns";
import { CampaignTable } from "./campaign-table";
import { CAMPAIGN_STATUSES, isCampaignStatus } from "@/lib/rules/statuses";
import { offsetFromPage, pageFromOffset } from "./rules";
import { useUrlParams } from "./use-url-params";

const LIMIT = 25;

const PRIMARY_LINK =
  "inline-flex items-center justify-center gap-1.5 rounded-md bg-sky-700 px-3.5 py-2 text-sm font-medium text-white transition-colors hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600";

/** /app/ota/campaigns: every campaign, newest first, paged on the server, filterable by status. */
export function CampaignList() {
  const canOperate = useCan("operator");
  const [params, setParams] = useUrlParams();
  const raw = params.get("status");
  const status = isCampaignStatus(raw) ? raw : undefined;
  const offset = offsetFromPage(params.get("page"), LIMIT);
  const q = useCampaigns({ status, limit: LIMIT, offset });
  const total = q.data?.total;

  return (
    <section>
      <PageHeader
        title="OTA Campaigns"
        description={
          total === undefined
            ? "Firmware rollouts to your device groups."
            : `${total.toLocaleString()} campaign${total === 1 ? "" : "s"}${status ? ` ${status.toLowerCase()}` : ""}`
        }
        actions={
          canOperate && (
            <Link href="/app/ota/campaigns/new" className={PRIMARY_LINK}>
              New campaign
            </Link>
          )
        }
      />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <label className="block text-xs font-medium text-slate-600">
          Status
          <select
            value={status ?? ""}
            onChange={(e) => setParams({ status: e.target.value || undefined, page: undefined })}
            className={FILTER_INPUT}
          >
            <option value="">All statuses</option>
            {CAMPAIGN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        {q.isFetching && !q.isPending && (
          <span className="pb-2 text-xs text-slate-500" aria-hidden>
            Updating…
          </span>
        )}
      </div>

      {q.isPending ? (
        <Loading label="Loading campaigns…" />
      ) : q.isError ? (
        <ErrorState error={q.error} retry={() => void q.refetch()} />
      ) : q.data.campaigns.length === 0 ? (
        q.data.total > 0 ? (
          <Empty title="No campaigns on this page">
            <button
              type="button"
              className="font-medium text-sky-800 underline"
              onClick={() => setParams({ page: undefined })}
            >
              Go to the first page
            </button>
          </Empty>
        ) : status ? (
          <Empty title={`No ${status.toLowerCase()} campaigns.`}>Choose “All statuses” to see every campaign.</Empty>
        ) : (
          <Empty title="No campaigns yet.">
            {canOperate ? (
              <>
                Roll a firmware version out to a device group with{" "}
                <Link href="/app/ota/campaigns/new" className="font-medium text-sky-800 underline">
                  a new campaign
                </Link>
                .
              </>
            ) : (
              "Campaigns that operators create appear here."
            )}
          </Empty>
        )
      ) : (
        <>
          <div className={q.isPlaceholderData ? "opacity-60 transition-opacity" : undefined}>
            <CampaignTable campaigns={q.data.campaigns} withActions={canOperate} />
          </div>
          <Pagination
            total={q.data.total}
            limit={LIMIT}
            offset={offset}
            onOffset={(o) => setParams({ page: pageFromOffset(o, LIMIT) })}
            label="Campaign pages"
          />
        </>
      )}
    </section>
  );
}
