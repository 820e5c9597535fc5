import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { DbHandle, Tx } from "@/lib/db/client";
import * as schema from "@/lib/db/schema";
import { getCampaign, listCampaignDevices } from "@/lib/ota/campaigns";
import { expireSilentDevices } from "@/lib/rollout/lifecycle";
import { applyReports } from "@/lib/rollout/ingest";
import type { StatusReport } from "@/lib/rollout/protocol";
import { withTenant } from "@/lib/db/tenant";
import { deviceId, type Fleet } from "./fleet";

export interface Plan {
  /** The statement, as the device-page route runs it (lib/ota/campaigns/devices.ts listCampaignDevices). */
  statement: string;
  executionMs: number;
  plan: string[];
}

/**
 * EXPLAIN ANALYZE of what the campaign-detail and device-page routes send, as they send
 * it: each domain function runs once inside withTenant on a connection that records its
 * statements; then, in one transaction that is rolled back, the recorded statements are
 * replayed in order (the role and tenant settings as they are, every SELECT explained).
 */
export async function explainRoutes(
  handle: DbHandle,
  databaseUrl: string,
  fleet: Fleet,
  campaignId: number,
): Promise<Record<string, Plan>> {
  const deep = Math.floor(fleet.n / 2 / 50) * 50;
  const routes: Record<string, (tx: Tx) => Promise<unknown>> = {
    detail: (tx) => getCampaign(tx, fleet.tenantId, campaignId),
    page_first: (tx) => listCampaignDevices(tx, fleet.tenantId, campaignId, { limit: 50, offset: 0 }),
    page_deep: (tx) => listCampaignDevices(tx, fleet.tenantId, campaignId, { limit: 50, offset: deep }),
  };
  const out: Record<string, Plan> = {};
  for (const [name, fn] of Object.entries(routes)) {
    const seen = await captureStatements(databaseUrl, (dbg) =>
      withTenant(drizzle(dbg, { schema }), fleet.tenantId, fn),
    );
    // Not the transaction's own statements, nor postgres.js's one-time look-up of array types.
    const statements = seen.filter(
      (st) => !/^\s*(begin|commit|rollback)\b/i.test(st.text) && !/pg_catalog\./.test(st.text),
    );
    let i = 0;
    await handle.sql
      .begin(async (tx) => {
        for (const st of statements) {
          const params = st.params as postgres.ParameterOrJSON<never>[];
          if (!/^\s*select\b/i.test(st.text) || /set_config/.test(st.text)) {
            await tx.unsafe(st.text, params);
            continue;
          }
          const rows = await tx.unsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${st.text}`, params);
          const plan = rows.map((r) => r["QUERY PLAN"]);
          out[`${name}_${++i}`] = {
            statement: st.text.replace(/\s+/g, " ").slice(0, 300),
            executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan.join("\n"))?.[1] ?? NaN),
            plan,
          };
        }
        throw new RolledBack();
      })
      .catch((err) => {
        if (!(err instanceof RolledBack)) throw err;
      });
  }
  return out;
}

/** The campaign's counters against a GROUP BY over its rows: the engine's invariant, checked after the flood. */
export async function countersExact(
  handle: DbHandle,
  campaignId: number,
): Promise<{ exact: boolean; counters: Record<string, number>; rows: Record<string, number> }> {
  const [c] = await handle.sql<Record<string, number>[]>`
    SELECT pending, downloading, installing, succeeded, failed, skipped FROM ota_campaigns WHERE id = ${campaignId}`;
  const g = await handle.sql<{ status: string; n: number }[]>`
    SELECT status, count(*)::int AS n FROM ota_device_status WHERE campaign_id = ${campaignId} GROUP BY status`;
  const by = Object.fromEntries(g.map((r) => [r.status, r.n]));
  const rows = {
    pending: by.PENDING ?? 0,
    downloading: by.DOWNLOADING ?? 0,
    installing: by.INSTALLING ?? 0,
    succeeded: by.SUCCESS ?? 0,
    failed: by.FAILED ?? 0,
    skipped: by.SKIPPED ?? 0,
  };
  const counters = { ...c! };
  return { exact: Object.entries(rows).every(([k, v]) => counters[k] === v), counters, rows };
}

/**
 * Runs `fn` on a connection of its own that records every statement it sends, so that
 * the engine's own SQL (with its parameters) can be explained without copying it here.
 */
export async function captureStatements(
  databaseUrl: string,
  fn: (sql: postgres.Sql) => Promise<unknown>,
): Promise<{ text: string; params: unknown[] }[]> {
  const seen: { text: string; params: unknown[] }[] = [];
  const sql = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    debug: (_c, text, params) => seen.push({ text, params: params as unknown[] }),
  });
  try {
    await fn(sql);
  } finally {
    await sql.end();
  }
  return seen;
}

/** EXPLAIN (ANALYZE, BUFFERS) of statements in one transaction that is rolled back. */
export async function explainRolledBack(
  sql: postgres.Sql,
  statements: { name: string; text: string; params: unknown[] }[],
): Promise<Record<string, Plan>> {
  const out: Record<string, Plan> = {};
  await sql
    .begin(async (tx) => {
      for (const s of statements) {
        const rows = await tx.unsafe<{ "QUERY PLAN": string }[]>(
          `EXPLAIN (ANALYZE, BUFFERS) ${s.text}`,
          s.params as postgres.ParameterOrJSON<never>[],
        );
        const plan = rows.map((r) => r["QUERY PLAN"]);
        out[s.name] = {
          statement: s.text.replace(/\s+/g, " ").slice(0, 300),
          executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan.join("\n"))?.[1] ?? NaN),
          plan,
        };
      }
      throw new RolledBack();
    })
    .catch((err) => {
      if (!(err instanceof RolledBack)) throw err;
    });
  return out;
}

class RolledBack extends Error {}

/**
 * The plan of the engine's two ingestion statements (applyReports) for one batch: the
 * batch is applied once on a connection that records its SQL, the rows are put back
 * with `reset`, and the recorded statements are explained in a transaction that is
 * rolled back. Names are `<prefix>_statuses` and `<prefix>_devices`.
 */
export async function explainApply(
  handle: DbHandle,
  databaseUrl: string,
  batch: StatusReport[],
  reset: () => Promise<unknown>,
  prefix: string,
): Promise<Record<string, Plan>> {
  const captured = await captureStatements(databaseUrl, (dbg) => applyReports(dbg, batch));
  await reset();
  const updates = captured.filter((c) => /\bUPDATE\b/.test(c.text));
  return explainRolledBack(
    handle.sql,
    updates.map((u) => ({ name: `${prefix}_${/UPDATE devices/.test(u.text) ? "devices" : "statuses"}`, ...u })),
  );
}

/**
 * With the fleet dispatched and before the flood: the plan of the flood's first batch on
 * the campaign's own rows (applied once to record it, then put back), and of the tick's
 * timeout sweep with every device in flight (it changes nothing: no device is silent yet).
 */
export async function explainBeforeFlood(
  handle: DbHandle,
  databaseUrl: string,
  fleet: Fleet,
  campaignId: number,
  flood: number,
): Promise<Record<string, Plan>> {
  const ids = Array.from({ length: Math.min(2000, flood) }, (_, i) => deviceId(i));
  const batch: StatusReport[] = ids.map((d) => ({
    tenantId: fleet.tenantId,
    deviceId: d,
    campaignId,
    status: "DOWNLOADING",
    progress: 50,
    error: null,
    version: null,
  }));
  const apply = await explainApply(
    handle,
    databaseUrl,
    batch,
    () => handle.sql`
      UPDATE ota_device_status SET status = 'DOWNLOADING', progress_pct = 0
      WHERE tenant_id = ${fleet.tenantId} AND campaign_id = ${campaignId} AND device_id = ANY(${ids})`,
    "campaign_apply",
  );
  const sweep = await captureStatements(databaseUrl, (dbg) =>
    expireSilentDevices(dbg, { tenants: [fleet.tenantId], graceMs: 60_000 }),
  );
  const tick = await explainRolledBack(
    handle.sql,
    sweep.filter((c) => /\bUPDATE\b/.test(c.text)).map((c) => ({ name: "tick_timeout_sweep", ...c })),
  );
  return { ...apply, ...tick };
}
