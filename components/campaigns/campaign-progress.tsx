import { eligibleOf, SplitProgress } from "@/components/ui/progress";
import type { CampaignListItem } from "@/lib/api-client/types";

/**
 * The split bar and "succeeded/eligible (n failed)" for one campaign: the bar and the
 * count share one base, the devices eligible for the rollout (skipped ones never were).
 */
export function CampaignProgress({ campaign: c }: { campaign: CampaignListItem }) {
  return (
    <div className="w-full min-w-32 max-w-44">
      <SplitProgress breakdown={c.status_breakdown} label={`Progress of ${c.name}`} />
      <p className="mt-1 text-xs tabular-nums text-slate-600">
        {c.succeeded.toLocaleString()}/{eligibleOf(c).toLocaleString()}{" "}
        <span className={c.failed > 0 ? "font-medium text-red-700" : "text-slate-600"}>
          ({c.failed.toLocaleString()} failed)
        </span>
      </p>
    </div>
  );
}
