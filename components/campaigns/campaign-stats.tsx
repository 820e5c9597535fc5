"use client";

import type { ReactNode } from "react";
import { exactRate, formatDuration, formatPercent, formatPerMinute, formatRelative } from "@/components/ui/format";
import { eligibleOf, SplitProgress } from "@/components/ui/progress";
import { StatusBadge } from "@/components/ui/status-badge";
import type { Campaign } from "@/lib/api-client/types";
import { estimateCompletion, type Sample } from "./eta";

function Card({ title, children, hint }: { title: string; children: ReactNode; hint?: ReactNode }) {
  return (
    <section aria-label={title} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h2>
      <div className="mt-2 text-2xl font-semibold tracking-tight text-slate-900 tabular-nums">{children}</div>
      {hint && <div className="mt-1 text-xs text-slate-500">{hint}</div>}
    </section>
  );
}

/** How long it ran (finished) or has been running. */
function runTime(c: Campaign): string | null {
  if (!c.started_at) return null;
  const end = c.completed_at ? new Date(c.completed_at).getTime() : Date.now();
  return formatDuration((end - new Date(c.started_at).getTime()) / 1000);
}

function statusHint(c: Campaign): string {
  switch (c.status) {
    case "CREATED":
      return "Not started yet";
    case "RUNNING":
      return `Started ${formatRelative(c.started_at)}`;
    case "PAUSED":
      return "Paused: nothing more is sent until resumed";
    case "COMPLETED":
      return `Finished in ${runTime(c) ?? "—"}`;
    case "ABORTED":
      return c.completed_at ? `Aborted ${formatRelative(c.completed_at)}` : "Aborted";
  }
}

function etaHint(c: Campaign, eta: ReturnType<typeof estimateCompletion>): string {
  if (c.status === "PAUSED") return "Paused";
  if (c.status === "CREATED") return "Starts when an operator starts it";
  if (c.status === "COMPLETED" || c.status === "ABORTED") return "Campaign is over";
  if (!eta) return "Waiting for devices to report";
  const pace = formatPerMinute(eta.rate * 60);
  if (eta.basis === "observed") return `At the observed ${pace}`;
  return `At the planned ${pace} (${exactRate(c.rollout_rate, c.tick_interval_ms)}), if all succeed`;
}

/** How close the failures are to the abort threshold, in the engine's own terms. */
function failedHint(c: Campaign, finished: number, eligible: number): string {
  const sample = Math.max(1, Math.min(c.abort_min_devices, eligible));
  const rule = `aborts above ${formatPercent(c.abort_threshold)} once ${sample.toLocaleString()} have finished`;
  if (finished === 0) return rule.charAt(0).toUpperCase() + rule.slice(1);
  if (c.failed === 0) return `None so far; ${rule}`;
  return `${formatPercent(c.failed / finished, 1)} of finished; ${rule}`;
}

/** Status, progress, succeeded, failed and time to completion, each in a card. */
export function CampaignStats({ campaign: c, samples }: { campaign: Campaign; samples: readonly Sample[] }) {
  const b = c.status_breakdown;
  const finished = b.SUCCESS + b.FAILED;
  // One base for the percentage, the bar and the counts: the eligible devices.
  const eligible = eligibleOf(c);
  const eta = estimateCompletion(
    {
      status: c.status,
      pending: b.PENDING,
      inFlight: b.DOWNLOADING + b.INSTALLING,
      rolloutRate: c.rollout_rate,
      tickIntervalMs: c.tick_interval_ms,
    },
    samples,
  );
  return (
    <div className="grid gap-3 sm:grid-cols-2 xl:grid-cols-5">
      <Card title="Status" hint={statusHint(c)}>
        <StatusBadge status={c.status} />
      </Card>
      <Card
        title="Progress"
        hint={`${finished.toLocaleString()} of ${eligible.toLocaleString()} eligible devices finished`}
      >
        <span>{eligible > 0 ? formatPercent(finished / eligible) : "—"}</span>
        <div className="mt-2">
          <SplitProgress breakdown={b} label="Campaign progress" />
        </div>
      </Card>
      <Card
        title="Succeeded"
        hint={
          b.SKIPPED > 0
            ? `of ${eligible.toLocaleString()} eligible; ${b.SKIPPED.toLocaleString()} skipped`
            : "of every device in the campaign"
        }
      >
        {c.succeeded.toLocaleString()}/{eligible.toLocaleString()}
      </Card>
      <Card title="Failed" hint={failedHint(c, finished, eligible)}>
        <span className={c.failed > 0 ? "text-red-700" : undefined}>{c.failed.toLocaleString()}</span>
      </Card>
      <Card title="Time to completion" hint={etaHint(c, eta)}>
        {eta ? `about ${formatDuration(eta.seconds)}` : "—"}
      </Card>
    </div>
  );
}
