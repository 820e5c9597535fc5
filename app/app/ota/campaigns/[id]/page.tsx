import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import type { Metadata } from "next";
import { Suspense } from "react";
import { CampaignDetail, NotFound } from "@/components/campaigns/campaign-detail";
import { deviceQueryFromUrl, parseCampaignId } from "@/components/campaigns/rules";
import { Loading } from "@/components/ui/states";
import { campaignKeys } from "@/lib/api-client/keys";
import { getQueryClient } from "@/lib/api-client/query-client";
import { requirePrincipal } from "@/lib/auth/session";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";
import { NotFound as NotFoundError } from "@/lib/errors";
import { getCampaign, listCampaignDevices } from "@/lib/ota/campaigns";

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Search> };

/** The tab names the campaign ("Sensors to 3.1.0 · Campaign 12 · Flotilla"); its id alone if it cannot be read. */
export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const id = parseCampaignId((await params).id);
  if (id === null) return { title: "Campaign not found · Flotilla" };
  const principal = await requirePrincipal();
  const name = await withTenant(webDb().db, principal.tenantId, (tx) => getCampaign(tx, principal.tenantId, id))
    .then((c) => c.name)
    .catch(() => null);
  return { title: `${name ? `${name} · ` : ""}Campaign ${id} · Flotilla` };
}

/**
 * One campaign, live. The server prefetches the campaign and the device page the URL
 * asks for, with the same domain functions and query keys the browser uses, so the
 * browser shows the totals as soon as it has hydrated, without a round trip (or two in
 * a row) at any fleet size; the client then keeps them fresh.
 */
export default async function CampaignPage({ params, searchParams }: Props) {
  const id = parseCampaignId((await params).id);
  if (id === null) return <NotFound />;
  const sp = await searchParams;
  const deviceQuery = deviceQueryFromUrl(one(sp.status), one(sp.page));
  const principal = await requirePrincipal();
  const queryClient = getQueryClient();
  try {
    const [campaign, devices] = await withTenant(webDb().db, principal.tenantId, (tx) =>
      Promise.all([
        getCampaign(tx, principal.tenantId, id),
        listCampaignDevices(tx, principal.tenantId, id, deviceQuery),
      ]),
    );
    queryClient.setQueryData(campaignKeys.detail(id), campaign);
    queryClient.setQueryData(campaignKeys.devices(id, { ...deviceQuery }), devices);
  } catch (err) {
    if (err instanceof NotFoundError) return <NotFound />;
    // Anything else: the browser fetches (and shows an error with a retry if it fails too).
    console.error(`campaign page ${id}: prefetch failed`, err);
  }
  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <Suspense fallback={<Loading label="Loading campaign…" />}>
        <CampaignDetail id={id} />
      </Suspense>
    </HydrationBoundary>
  );
}
