import type { Metadata } from "next";
import { NewCampaignWizard } from "@/components/campaigns/wizard/wizard";

export const metadata: Metadata = { title: "New campaign · Flotilla" };

/** The campaign wizard: a client component on the browser's data layer (the layout has authenticated). */
export default function NewCampaignPage() {
  return <NewCampaignWizard />;
}
