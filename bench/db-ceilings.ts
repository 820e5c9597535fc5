import type { MqttClient } from "mqtt";
import type { DbHandle } from "@/lib/db/client";
import { dispatchCampaign } from "@/lib/rollout/dispatch";
import { applyReports } from "@/lib/rollout/ingest";
import type { StatusReport } from "@/lib/rollout/protocol";
import type { ReportStatus } from "@/lib/rules/statuses";
import { createBenchCampaign } from "./creation";
import { explainApply, type Plan } from "./diagnostics";
import { deviceId, FW_VERSION, type Fleet } from "./fleet";
import { perSecond } from "./stats";

/** The intake's default batch (lib/rollout/intake.ts maxBatch): the ceiling uses the same. */
const INGEST_BATCH = 2000;
/** A smaller batch, to show how the engine's cost per report depends on the batch size. */
const SMALL_BATCH = 500;

/** What a fleet reports after a command: the same three waves the flood publishes. */
export const WAVES: { status: ReportStatus; progress: number }[] = [
  { status: "DOWNLOADING", progress: 50 },
  { status: "INSTALLING", progress: 0 },
  { status: "SUCCESS", progress: 100 },
];

export interface DbFigures {
  /** EXPLAIN ANALYZE of the engine's two ingestion statements for one batch of 2000. */
  applyPlans: Record<string, Plan>;
  /** createCampaign of the scratch fleet: a second sample of campaign creation. */
  creationMs: number;
  /** Rows the raw batched UPDATE … FROM unnest(…) loop changed per second: the ingestion ceiling. */
  rawUpdate: { rows: number; ms: number; perSecond: number; batch: number };
  /** The engine's own applyReports, called in-process on the same work: ingestion without MQTT. */
  engineApply: { reports: number; ms: number; perSecond: number; batch: number; applied: number };
  /** The same with batches of 500: how the batch size bends the engine's cost per report. */
  engineApplySmallBatch: { reports: number; ms: number; perSecond: number; batch: number; applied: number };
  /** The engine's own dispatchCampaign with a broker that acknowledges at once: dispatch's database part. */
  engineDispatchDb: { devices: number; ms: number; perSecond: number };
}

/**
 * The database ceilings and the engine's database share of the same work, on a scratch
 * campaign of `fleet.n` devices in a tenant of its own (the worker under test is
 * scoped to the bench tenant and never sees it), in the same table:
 *
 * 1. the engine's dispatchCampaign, with a null broker: PENDING → DOWNLOADING;
 * 2. the raw ceiling: three waves of UPDATE … FROM unnest(…) by primary key, in batches of 2000;
 * 3. the rows put back to DOWNLOADING, then the engine's applyReports on the same three waves
 *    for the first `applyDevices` of them, in batches of 2000 (the intake's) and again of 500.
 *    Its cost per batch does not depend on how many batches run, and it is slow enough
 *    that the whole sample would dominate the run.
 */
export async function dbFigures(
  handle: DbHandle,
  databaseUrl: string,
  fleet: Fleet,
  applyDevices: number,
  log: (line: string) => void,
): Promise<DbFigures> {
  const { sql } = handle;
  const { campaignId, ms: creationMs } = await createBenchCampaign(handle, fleet);
  await sql`UPDATE ota_campaigns SET status = 'RUNNING', started_at = now(), rollout_rate = ${fleet.n}, max_in_flight = NULL WHERE id = ${campaignId}`;

  const t0 = performance.now();
  const d = await dispatchCampaign(
    {
      sql,
      mqtt: nullBroker(),
      tickIntervalMs: 100,
      publishTimeoutMs: 60_000,
      publicUrl: "http://127.0.0.1:9",
      authSecret: "bench-null-broker-secret-000000000000",
      log,
    },
    fleet.tenantId,
    campaignId,
  );
  const dispatchMs = performance.now() - t0;
  if (d.dispatched !== fleet.n) throw new Error(`null-broker dispatch moved ${d.dispatched} of ${fleet.n} devices`);
  await sql`UPDATE ota_campaigns SET status = 'PAUSED' WHERE id = ${campaignId}`;

  const ids = Array.from({ length: fleet.n }, (_, i) => deviceId(i));
  // The raw ceiling changes rows by primary key: the cost of changing them (every index,
  // the counter trigger), and nothing for finding them. Keyed by (tenant, campaign,
  // device) instead, the planner hashes the campaign's every row per batch (measured:
  // ~50 of ~85 ms per batch of 2000 at 100,000 rows), which is no ceiling.
  const rowIds = (
    await sql<{ id: string }[]>`
    SELECT id FROM ota_device_status WHERE tenant_id = ${fleet.tenantId} AND campaign_id = ${campaignId} ORDER BY device_id`
  ).map((r) => r.id);
  const t1 = performance.now();
  let rows = 0;
  for (const w of WAVES) {
    for (let i = 0; i < rowIds.length; i += INGEST_BATCH) {
      const batch = rowIds.slice(i, i + INGEST_BATCH);
      const r = await sql`
        UPDATE ota_device_status s SET status = u.status, progress_pct = u.progress, last_report_at = now()
        FROM unnest(${batch}::bigint[], ${batch.map(() => w.status)}::text[], ${batch.map(() => w.progress)}::int[]) AS u(id, status, progress)
        WHERE s.id = u.id`;
      rows += r.count;
    }
  }
  const rawMs = performance.now() - t1;

  const applyIds = ids.slice(0, applyDevices);
  const reportsFor = (slice: string[], w: (typeof WAVES)[number]): StatusReport[] =>
    slice.map((d) => ({
      tenantId: fleet.tenantId,
      deviceId: d,
      campaignId,
      status: w.status,
      progress: w.progress,
      error: null,
      version: w.status === "SUCCESS" ? FW_VERSION : null,
    }));
  const resetRows = () => sql`
    UPDATE ota_device_status SET status = 'DOWNLOADING', progress_pct = 0, completed_at = NULL
    WHERE tenant_id = ${fleet.tenantId} AND campaign_id = ${campaignId}`;

  // The plan of the engine's own statements for one batch of 2000 (the first wave's
  // first batch, run once to capture its SQL, then explained and rolled back).
  await resetRows();
  const applyPlans = await explainApply(
    handle,
    databaseUrl,
    reportsFor(applyIds.slice(0, INGEST_BATCH), WAVES[0]!),
    resetRows,
    "scratch_apply",
  );

  const applyRuns: DbFigures["engineApply"][] = [];
  for (const size of [INGEST_BATCH, SMALL_BATCH]) {
    await resetRows();
    const t2 = performance.now();
    let reports = 0;
    let applied = 0;
    for (const w of WAVES) {
      for (let i = 0; i < applyIds.length; i += size) {
        const batch = reportsFor(applyIds.slice(i, i + size), w);
        const out = await applyReports(sql, batch);
        reports += batch.length;
        applied += out.applied;
      }
    }
    const applyMs = performance.now() - t2;
    applyRuns.push({ reports, ms: Math.round(applyMs), perSecond: perSecond(reports, applyMs), batch: size, applied });
  }

  return {
    applyPlans,
    creationMs,
    rawUpdate: { rows, ms: Math.round(rawMs), perSecond: perSecond(rows, rawMs), batch: INGEST_BATCH },
    engineApply: applyRuns[0]!,
    engineApplySmallBatch: applyRuns[1]!,
    engineDispatchDb: {
      devices: d.dispatched,
      ms: Math.round(dispatchMs),
      perSecond: perSecond(d.dispatched, dispatchMs),
    },
  };
}

/**
 * Just enough of an MqttClient for publishAll: every publish is acknowledged on the
 * next microtask (never synchronously: publishAll arms its timer after publish returns).
 */
function nullBroker(): MqttClient {
  const fake = {
    connected: true,
    outgoing: {},
    getLastMessageId: () => 0,
    removeOutgoingMessage: () => fake,
    publish: (_topic: string, _payload: string, _opts: unknown, cb: (err?: Error) => void) => {
      queueMicrotask(() => cb());
      return fake;
    },
  };
  return fake as unknown as MqttClient;
}
