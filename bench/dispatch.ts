import type { DbHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { transitionCampaign } from "@/lib/ota/campaigns";
import { delivery, waitForCount, type DeliveryResult } from "./broker-ceiling";
import type { Fleet } from "./fleet";
import { countingSubscriber } from "./mqtt";
import { sleep } from "./stats";

export interface DispatchResult extends DeliveryResult {
  /** From the operator's start (commit) to the last command at the subscriber. */
  fromStartMs: number;
  /** Devices the database shows DOWNLOADING once the commands are out. */
  downloading: number;
  /** Commands sent beyond one per device (sum of dispatch_count − devices). */
  duplicates: number;
}

/**
 * Starts the campaign (rate limit lifted, so the whole fleet is due in the first tick)
 * and counts the commands at one wildcard subscriber on the devices' command topics,
 * first to last, as the broker ceiling is counted.
 */
export async function measureDispatch(
  handle: DbHandle,
  mqttUrl: string,
  fleet: Fleet,
  campaignId: number,
): Promise<DispatchResult> {
  const sub = await countingSubscriber(mqttUrl, `tenant/${fleet.tenantId}/device/+/ota`);
  try {
    await withTenant(handle.db, fleet.tenantId, (tx) =>
      transitionCampaign(tx, fleet.tenantId, campaignId, "start", "bench"),
    );
    const started = Date.now();
    await waitForCount(sub, fleet.n, 15_000);
    // The last chunk's DOWNLOADING commits after its acknowledgements: wait for it.
    let row = { pending: -1, downloading: 0, dispatched: 0 };
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
      const rows = await handle.sql<{ pending: number; downloading: number; dispatched: number }[]>`
        SELECT c.pending, c.downloading,
               (SELECT coalesce(sum(dispatch_count), 0)::int FROM ota_device_status s WHERE s.tenant_id = c.tenant_id AND s.campaign_id = c.id) AS dispatched
        FROM ota_campaigns c WHERE c.id = ${campaignId}`;
      row = rows[0]!;
      if (row.pending === 0) break;
    }
    return {
      ...delivery(sub, fleet.n),
      fromStartMs: sub.last - started,
      downloading: row.downloading,
      duplicates: row.dispatched - fleet.n,
    };
  } finally {
    await sub.close();
  }
}
