import type { DbHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { transitionCampaign } from "@/lib/ota/campaigns";
import { delivery, waitForCount, type DeliveryResult } from "./broker-ceiling";
import { spawnTsx } from "./children";
import type { CpuMeter, CpuShare } from "./cpu";
import { createBenchCampaign, liftRateLimit } from "./creation";
import { buildFleet, type Fleet } from "./fleet";
import { countingSubscriber } from "./mqtt";
import type { DispatcherJob } from "./procs/dispatcher";
import { round, sleep } from "./stats";

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

export interface SigningRound extends DeliveryResult {
  signed: boolean;
  /** dispatchCampaign's own time, its start to its last chunk's commit. */
  engine_ms: number;
  dispatched: number;
  cpu?: CpuShare;
}

export interface SigningFigure {
  devices: number;
  /** The better of two rounds each, by commands per second at the subscriber. */
  signed: SigningRound;
  unsigned: SigningRound;
  rounds: SigningRound[];
  ratio: number;
  target: string;
  met: boolean;
  how: string;
}

/**
 * What signing costs dispatch: the engine's own `dispatchCampaign` in a process of its own
 * (bench/procs/dispatcher.ts) dispatching one campaign of `devices` devices in one go,
 * with a manifest per device as always, and again without (the `unsignedForBench` flag,
 * used by nothing else), in ABBA order (unsigned, signed, signed, unsigned) so that a
 * warming or a drifting machine favours neither. Between rounds the rows go back to
 * PENDING and the table is vacuumed, so that every round claims from the same state.
 * Counted at one wildcard subscriber, first to last, as the dispatch figure is.
 */
export async function measureSigning(opts: {
  handle: DbHandle;
  databaseUrl: string;
  mqttUrl: string;
  authSecret: string;
  devices: number;
  meter?: CpuMeter;
  log: (line: string) => void;
}): Promise<SigningFigure> {
  const { sql } = opts.handle;
  const fleet = await buildFleet(sql, "signing", opts.devices);
  // In the full run this fleet comes after 200,000 devices and their campaigns: without fresh
  // statistics the planner took the new group for empty and creation ran for minutes (as
  // the product ANALYZEs after a bulk registration).
  await sql`ANALYZE`;
  const { campaignId } = await createBenchCampaign(opts.handle, fleet);
  await liftRateLimit(opts.handle, campaignId, fleet.n);
  await sql`UPDATE ota_campaigns SET status = 'RUNNING', started_at = now() WHERE id = ${campaignId}`;
  const job: DispatcherJob = {
    databaseUrl: opts.databaseUrl,
    mqttUrl: opts.mqttUrl,
    authSecret: opts.authSecret,
    tenantId: fleet.tenantId,
    campaignId,
  };
  const child = spawnTsx("dispatcher", "bench/procs/dispatcher.ts", { ...process.env, BENCH_JOB: JSON.stringify(job) });
  const rounds: SigningRound[] = [];
  try {
    await child.next("ready", 60_000);
    for (const signed of [false, true, true, false]) {
      await sql`
        UPDATE ota_device_status SET status = 'PENDING', progress_pct = 0, started_at = NULL, dispatched_at = NULL,
          dispatch_count = 0
        WHERE tenant_id = ${fleet.tenantId} AND campaign_id = ${campaignId} AND status <> 'PENDING'`;
      await sql`UPDATE ota_campaigns SET last_dispatch_slot = NULL WHERE id = ${campaignId}`;
      await sql`VACUUM (ANALYZE) ota_device_status`;
      const sub = await countingSubscriber(opts.mqttUrl, `tenant/${fleet.tenantId}/device/+/ota`);
      try {
        const phase = await opts.meter?.start();
        child.send({ cmd: "go", unsigned: !signed });
        const done = await child.next<{ ms: number; dispatched: number }>("done", 600_000);
        await waitForCount(sub, fleet.n, 5000);
        const cpu = await phase?.end();
        const round_: SigningRound = {
          signed,
          ...delivery(sub, fleet.n),
          engine_ms: Math.round(done.ms),
          dispatched: done.dispatched,
          ...(cpu ? { cpu } : {}),
        };
        rounds.push(round_);
        opts.log(
          `dispatch ${signed ? "signed" : "unsigned"}: ${round_.perSecond}/s (${round_.received} commands, ${round_.dropped} dropped; engine ${round_.engine_ms} ms)`,
        );
      } finally {
        await sub.close();
      }
    }
  } finally {
    child.send({ cmd: "stop" });
    await child.stop(10_000);
  }
  const best = (signed: boolean) =>
    rounds.filter((r) => r.signed === signed).reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
  const signed = best(true);
  const unsigned = best(false);
  const ratio = round(signed.perSecond / unsigned.perSecond);
  return {
    devices: fleet.n,
    signed,
    unsigned,
    rounds,
    ratio,
    target: "signed ≥ 0.8 × unsigned",
    met: signed.perSecond >= 0.8 * unsigned.perSecond && signed.dropped === 0,
    how: "The engine's dispatchCampaign in a process of its own (bench/procs/dispatcher.ts), one campaign with the rate limit lifted, dispatched whole four times in ABBA order, with a manifest per device (Ed25519, the tenant's key) and without; commands counted at one wildcard QoS 1 subscriber, first to last; the better of two rounds each",
  };
}
