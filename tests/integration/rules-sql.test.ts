import { afterAll, describe, expect, it } from "vitest";
import { withTenant } from "@/lib/db/tenant";
import { previewCampaign } from "@/lib/ota/campaigns";
import { CampaignPreviewBody } from "@/lib/ota/schemas";
import { canarySize } from "@/lib/rules/canary";
import {
  CAMPAIGN_STATUSES,
  DEVICE_STATUSES,
  LIVE_DEVICE_STATUSES,
  STATUS_COUNTER,
  STATUS_RANK,
  type DeviceStatus,
} from "@/lib/rules/statuses";
import { testDb } from "../support/db";
import { campaignFor, fleetOf } from "../support/rollout";

/**
 * Where SQL repeats a rule of lib/rules (it cannot import it), the database's copy is
 * checked against the TypeScript one here: the rank function, the counters trigger, the
 * CHECK constraints and the canary expression of campaign creation.
 */
const handle = testDb();
afterAll(() => handle.close());

const COUNTERS = Object.values(STATUS_COUNTER);
const sorted = (xs: readonly string[]) => [...xs].sort();

/** The quoted literals of a constraint or index definition, as PostgreSQL prints it back. */
const literals = (definition: string) => [...definition.matchAll(/'([^']*)'/g)].map((m) => m[1]!);

async function constraintLiterals(name: string): Promise<string[]> {
  const [row] = await handle.sql<{ def: string }[]>`
    SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = ${name}`;
  if (!row) throw new Error(`no constraint ${name}`);
  return literals(row.def);
}

describe("ota_status_rank", () => {
  it("ranks every status as STATUS_RANK does", async () => {
    const rows = await handle.sql<{ status: DeviceStatus; rank: number }[]>`
      SELECT s AS status, ota_status_rank(s) AS rank FROM unnest(${[...DEVICE_STATUSES]}::text[]) s`;
    expect(Object.fromEntries(rows.map((r) => [r.status, r.rank]))).toEqual(STATUS_RANK);
  });
});

describe("CHECK constraints and partial indexes", () => {
  it("allow exactly the statuses of lib/rules", async () => {
    expect(sorted(await constraintLiterals("ota_device_status_status_check"))).toEqual(sorted(DEVICE_STATUSES));
    expect(sorted(await constraintLiterals("ota_campaigns_status_check"))).toEqual(sorted(CAMPAIGN_STATUSES));
  });

  it("keep the in-flight index over the live device statuses", async () => {
    const [row] = await handle.sql<{ def: string }[]>`
      SELECT pg_get_indexdef('idx_ota_device_status_in_flight'::regclass) AS def`;
    expect(sorted(literals(row!.def))).toEqual(sorted(LIVE_DEVICE_STATUSES));
  });

  it("accept a row in each status and refuse any other", async () => {
    const { tenantId, campaignId } = await bareCampaign("check");
    for (const [i, status] of DEVICE_STATUSES.entries())
      await handle.sql`
        INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status)
        VALUES (${tenantId}, ${campaignId}, ${`ok-${i}`}, ${status})`;
    for (const status of ["pending", "DONE", "CANCELLED", ""])
      await expect(
        handle.sql`
          INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status)
          VALUES (${tenantId}, ${campaignId}, ${`bad-${status}`}, ${status})`,
      ).rejects.toThrow(/ota_device_status_status_check/);
  });
});

/** A tenant with firmware and one campaign row (no devices): the trigger's subject. */
async function bareCampaign(label: string) {
  const f = await fleetOf(handle, label, 1);
  const [c] = await handle.sql<{ id: number }[]>`
    INSERT INTO ota_campaigns (tenant_id, name, firmware_version_id, target_group_id)
    VALUES (${f.tenantId}, 'rules', ${f.fwId}, 'all') RETURNING id`;
  return { tenantId: f.tenantId, campaignId: c!.id };
}

async function counters(campaignId: number): Promise<Record<string, number>> {
  const [row] = await handle.sql<Record<string, number>[]>`
    SELECT ${handle.sql(COUNTERS)} FROM ota_campaigns WHERE id = ${campaignId}`;
  return row!;
}

/** All counters zero but the one of `status`, which is `n`. */
const only = (status: DeviceStatus | null, n = 1) =>
  Object.fromEntries(COUNTERS.map((col) => [col, status && col === STATUS_COUNTER[status] ? n : 0]));

describe("the counters trigger", () => {
  it("counts an inserted, updated and deleted row in the column STATUS_COUNTER names", async () => {
    const { tenantId, campaignId } = await bareCampaign("counters");
    for (const from of DEVICE_STATUSES) {
      const [row] = await handle.sql<{ id: string }[]>`
        INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status)
        VALUES (${tenantId}, ${campaignId}, 'dev', ${from}) RETURNING id`;
      expect(await counters(campaignId), `insert ${from}`).toEqual(only(from));
      for (const to of DEVICE_STATUSES.filter((s) => s !== from)) {
        await handle.sql`UPDATE ota_device_status SET status = ${to} WHERE id = ${row!.id}`;
        expect(await counters(campaignId), `${from} → ${to}`).toEqual(only(to));
        await handle.sql`UPDATE ota_device_status SET status = ${from} WHERE id = ${row!.id}`;
      }
      await handle.sql`DELETE FROM ota_device_status WHERE id = ${row!.id}`;
      expect(await counters(campaignId), `delete ${from}`).toEqual(only(null));
    }
  });

  it("counts a statement of many rows in many statuses at once", async () => {
    const { tenantId, campaignId } = await bareCampaign("counters-many");
    await handle.sql`
      INSERT INTO ota_device_status (tenant_id, campaign_id, device_id, status)
      SELECT ${tenantId}, ${campaignId}, s || '-' || i, s
      FROM unnest(${[...DEVICE_STATUSES]}::text[]) WITH ORDINALITY AS x(s, k), generate_series(1, k::int) i`;
    expect(await counters(campaignId)).toEqual(
      Object.fromEntries(DEVICE_STATUSES.map((s, i) => [STATUS_COUNTER[s], i + 1])),
    );
  });
});

describe("the canary wave of campaign creation", () => {
  // (eligible devices, canary percent): rounding up, the minimum of one, and the bounds.
  const cases: [number, number][] = [
    [1, 1],
    [3, 50],
    [19, 5],
    [21, 5],
    [40, 7],
    [150, 1],
    [101, 33],
  ];

  it.each(cases)(
    "of %i eligible devices at %i percent is canarySize() devices, as the preview says",
    async (n, pct) => {
      const f = await fleetOf(handle, "canary", n);
      const fields = { rollout_strategy: "canary", canary_percent: pct };
      const preview = await withTenant(handle.db, f.tenantId, (tx) =>
        previewCampaign(
          tx,
          f.tenantId,
          CampaignPreviewBody.parse({ firmware_version_id: f.fwId, target_group_id: "all", ...fields }),
        ),
      );
      const id = await campaignFor(handle, f.tenantId, f.fwId, fields, { start: false });
      const [row] = await handle.sql<{ flagged: number; canary_size: number }[]>`
      SELECT (SELECT count(*)::int FROM ota_device_status WHERE campaign_id = c.id AND canary) AS flagged, c.canary_size
      FROM ota_campaigns c WHERE c.id = ${id}`;
      expect(row).toEqual({ flagged: canarySize(n, pct), canary_size: canarySize(n, pct) });
      expect(preview.canary_size).toBe(canarySize(n, pct));
    },
  );
});
