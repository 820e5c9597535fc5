import { SplitProgress } from "@/components/ui/progress";
import type { CampaignListItem } from "@/lib/api-client/types";

/** The split bar and "succeeded/total (n failed)" for one campaign. */
export function CampaignProgress({ campaign: c }: { campaign: CampaignListItem }) {
  return (
    <div className="w-44">
      <SplitProgress breakdown={c.status_breakdown} label={`Progress of ${c.name}`} />
      <p className="mt-1 text-xs tabular-nums text-slate-600">
        {c.succeeded.toLocaleString()}/{c.total_devices.toLocaleString()}{" "}
        <span className={c.failed > 0 ? "font-medium text-red-700" : "text-slate-400"}>
          ({c.failed.toLocaleString()} failed)
        </span>
      </p>
    </div>
  );
}
