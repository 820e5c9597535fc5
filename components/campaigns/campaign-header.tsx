"use client";

import Link from "next/link";
import { Exact } from "@/components/ui/exact";
import { exactRate, formatDateTime, formatDuration, formatPerMinute, perMinute } from "@/components/ui/format";
import { inFlight } from "@/lib/api-client/campaigns";
import { StatusBadge } from "@/components/ui/status-badge";
import type { Campaign } from "@/lib/api-client/types";
import { CampaignActions } from "./campaign-actions";
import { strategyText } from "./rules";

/** Name, status, phase, what is rolled out where, the abort reason, and the legal actions. */
export function CampaignHeader({
  campaign: c,
  live,
}: {
  campaign: Campaign;
  live: { polling: boolean; stale: boolean };
}) {
  // After a pause or an abort, devices already sent the update keep going and reporting.
  const finishing = c.status === "RUNNING" ? 0 : inFlight(c);
  const showPhase = c.status === "RUNNING" || c.status === "PAUSED" || c.rollout_strategy === "canary";
  return (
    <header className="space-y-3">
      <Link href="/app/ota/campaigns" className="text-sm text-slate-600 hover:text-slate-900">
        ← All campaigns
      </Link>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-xl font-semibold tracking-tight break-words text-slate-900">{c.name}</h1>
            <StatusBadge status={c.status} />
            {showPhase && (
              <span className="rounded-full border border-slate-200 bg-white px-2 py-0.5 text-xs font-medium text-slate-600">
                {c.phase === "canary"
                  ? `Canary phase · ${c.canary_size.toLocaleString()} device${c.canary_size === 1 ? "" : "s"}`
                  : "Rollout phase"}
              </span>
            )}
            {live.polling && (
              <span
                className="flex items-center gap-1.5 text-xs text-slate-600"
                title="This page refreshes itself while the campaign or its devices can still change"
              >
                <span
                  className={`size-2 rounded-full ${live.stale ? "bg-amber-500" : "animate-pulse bg-emerald-500"}`}
                  aria-hidden
                />
                {live.stale ? "Reconnecting…" : "Live"}
              </span>
            )}
          </div>
          <div className="mt-1 text-sm text-slate-600">
            Firmware <span className="font-mono text-slate-800">{c.firmware_version}</span>
            {c.firmware_device_type && <> for {c.firmware_device_type}</>} · group{" "}
            <span className="text-slate-800">{c.target_group_id}</span> · {strategyText(c)},{" "}
            <Exact
              shown={formatPerMinute(perMinute(c.rollout_rate, c.tick_interval_ms))}
              exact={exactRate(c.rollout_rate, c.tick_interval_ms)}
            />
            {c.max_in_flight ? `, at most ${c.max_in_flight.toLocaleString()} in flight` : ""} · device timeout{" "}
            <Exact
              shown={formatDuration(c.device_timeout_seconds)}
              exact={`${c.device_timeout_seconds.toLocaleString()} seconds`}
            />{" "}
            · created {formatDateTime(c.created_at)}
            {c.created_by ? ` by ${c.created_by}` : ""}
          </div>
          {finishing > 0 && (
            <p role="status" className="mt-2 text-sm font-medium text-amber-900">
              {finishing.toLocaleString()} device{finishing === 1 ? "" : "s"} still finishing: they had the update
              before the campaign was {c.status === "PAUSED" ? "paused" : "aborted"}, and this page follows them until
              they report.
            </p>
          )}
        </div>
        <div className="shrink-0">
          <CampaignActions
            campaign={{ id: c.id, name: c.name, status: c.status, pending: c.status_breakdown.PENDING }}
            size="md"
          />
        </div>
      </div>
      {c.abort_reason && (
        <div className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
          <span className="font-semibold">Abort reason:</span> {c.abort_reason}
        </div>
      )}
    </header>
  );
}
