import type { Metadata } from "next";
import { Suspense } from "react";
import { CampaignList } from "@/components/campaigns/campaign-list";
import { Loading } from "@/components/ui/states";

export const metadata: Metadata = { title: "OTA Campaigns · Flotilla" };

/** The campaign list: filters and the page number come from the URL (read in the browser). */
export default function CampaignsPage() {
  return (
    <Suspense fallback={<Loading label="Loading campaigns…" />}>
      <CampaignList />
    </Suspense>
  );
}
