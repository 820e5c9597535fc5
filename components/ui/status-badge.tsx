import type { CampaignStatus, DeviceStatus } from "@/lib/rules/statuses";
import { STATUS_COLOURS } from "./status-colours";

/** One colour per status, the same on every page. */
export function StatusBadge({ status }: { status: CampaignStatus | DeviceStatus }) {
  return (
    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-semibold ${STATUS_COLOURS[status].badge}`}>
      {status}
    </span>
  );
}
