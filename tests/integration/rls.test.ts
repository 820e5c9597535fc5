import { sql, TransactionRollbackError } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tx } from "@/lib/db/client";
import { requireAuthSecret } from "@/lib/config";
import {
  APP_ROLE,
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
  releaseKeys,
  tenantSigningKeys,
} from "@/lib/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { ensureSigningKey } from "@/lib/ota/signing-keys";
import { generateSigningKey, publicJwk } from "@/lib/rollout/manifest";
import { createTestTenant, TENANT_TABLES, testDb, type TestTenant } from "../support/db";

const handle = testDb();
let a: TestTenant;
let b: TestTenant;

/** Rows of the tenant in every table of TENANT_TABLES, so that each table's visibility check has something to hide. */
async function arrange(t: TestTenant) {
  await handle.db.insert(devices).values([
    { tenantId: t.tenantId, deviceId: `${t.tenantId}-d1`, deviceType: "sensor", fwVersion: "1.0.0" },
    { tenantId: t.tenantId, deviceId: `${t.tenantId}-d2`, deviceType: "sensor", fwVersion: "1.0.0" },
  ]);
  await handle.db.insert(deviceGroups).values({ tenantId: t.tenantId, groupId: "all", name: "All" });
  await handle.db
    .insert(deviceGroupMembers)
    .values({ tenantId: t.tenantId, groupId: "all", deviceId: `${t.tenantId}-d1` });
  const [fw] = await handle.db
    .insert(firmwareVersions)
    .values({ tenantId: t.tenantId, version: "2.0.0", fileUrl: "http://x/fw.bin" })
    .returning();
  const [campaign] = await handle.db
    .insert(otaCampaigns)
    .values({ tenantId: t.tenantId, name: "c", firmwareVersionId: fw!.id, targetGroupId: "all" })
    .returning();
  await handle.db
    .insert(otaDeviceStatus)
    .values({ tenantId: t.tenantId, campaignId: campaign!.id, deviceId: `${t.tenantId}-d1`, status: "PENDING" });
  await withTenant(handle.db, t.tenantId, (tx) => ensureSigningKey(tx, t.tenantId, requireAuthSecret()));
  const release = publicJwk(generateSigningKey());
  await handle.db
    .insert(releaseKeys)
    .values({ tenantId: t.tenantId, kid: release.kid, name: "release", publicX: release.x });
}

/** Every tenant id visible, table by table (all of TENANT_TABLES), to a query with no tenant filter at all. */
async function visibleTenants(tx: Tx) {
  const seen: Record<string, string[]> = {};
  for (const table of TENANT_TABLES) {
    const rows = await tx.execute<{ t: string }>(
      sql`SELECT DISTINCT tenant_id AS t FROM ${sql.identifier(table)} ORDER BY 1`,
    );
    seen[table] = rows.map((r) => r.t);
  }
  return seen;
}

beforeAll(async () => {
  a = await createTestTenant(handle, "rls-a");
  b = await createTestTenant(handle, "rls-b");
  await arrange(a);
  await arrange(b);
});
afterAll(() => handle.close());

describe("tenant isolation through the application's query path (withTenant)", () => {
  it("runs as a role that RLS binds: not a superuser, not a table owner, no BYPASSRLS", async () => {
    const role = await withTenant(handle.db, a.tenantId, async (tx) => {
      const rows = await tx.execute<{ who: string; rolsuper: boolean; rolbypassrls: boolean; tenant: string }>(
        sql`SELECT current_user AS who, r.rolsuper, r.rolbypassrls, current_setting('app.tenant_id', true) AS tenant
            FROM pg_roles r WHERE r.rolname = current_user`,
      );
      const owned = await tx.execute<{ n: number }>(
        sql`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user`,
      );
      return { ...rows[0]!, owned: owned[0]!.n };
    });
    expect(role).toEqual({ who: APP_ROLE, rolsuper: false, rolbypassrls: false, tenant: a.tenantId, owned: 0 });
  });

  it("sets the tenant for the transaction only", async () => {
    await withTenant(handle.db, a.tenantId, async () => {});
    const [row] = await handle.sql`SELECT current_setting('app.tenant_id', true) AS t, current_user AS who`;
    expect(row!.t ?? "").toBe("");
    expect(row!.who).not.toBe(APP_ROLE);
  });

  it("shows a query without any tenant filter only the current tenant's rows", async () => {
    const seen = await withTenant(handle.db, a.tenantId, visibleTenants);
    expect(Object.keys(seen)).toEqual([...TENANT_TABLES]);
    for (const [table, ids] of Object.entries(seen)) expect({ table, ids }).toEqual({ table, ids: [a.tenantId] });
  });

  it("refuses to write another tenant's rows, and cannot touch them", async () => {
    const inserts = [
      (tx: Tx) => tx.insert(devices).values({ tenantId: b.tenantId, deviceId: "intruder" }),
      (tx: Tx) =>
        tx
          .insert(tenantSigningKeys)
          .values({ tenantId: b.tenantId, kid: "intruder", publicX: "x", privateKeyEnc: "v1.x" }),
      (tx: Tx) =>
        tx.insert(releaseKeys).values({ tenantId: b.tenantId, kid: "intruder", name: "intruder", publicX: "x" }),
    ];
    for (const insert of inserts) {
      await expect(withTenant(handle.db, a.tenantId, insert)).rejects.toMatchObject({ cause: { code: "42501" } });
    }

    // Unfiltered UPDATE and DELETE reach only tenant A's rows (rolled back afterwards).
    const touched = await rolledBack(a.tenantId, async (tx) => ({
      // Unfiltered on purpose: row-level security alone must confine these two statements.
      // eslint-disable-next-line drizzle/enforce-update-with-where
      updated: (await tx.update(devices).set({ fwVersion: "9.9.9" }).returning()).map((d) => d.tenantId),
      // eslint-disable-next-line drizzle/enforce-delete-with-where
      deleted: (await tx.delete(deviceGroups).returning()).map((g) => g.tenantId),
      // The keys: a retirement (or a deletion) of every key reaches only the tenant's own.
      // eslint-disable-next-line drizzle/enforce-update-with-where
      retired: (await tx.update(releaseKeys).set({ retiredAt: new Date() }).returning()).map((k) => k.tenantId),
      // eslint-disable-next-line drizzle/enforce-delete-with-where
      deletedKeys: (await tx.delete(tenantSigningKeys).returning()).map((k) => k.tenantId),
    }));
    expect(touched).toEqual({
      updated: [a.tenantId, a.tenantId],
      deleted: [a.tenantId],
      retired: [a.tenantId],
      deletedKeys: [a.tenantId],
    });
    const bDevices = await handle.sql`SELECT fw_version FROM devices WHERE tenant_id = ${b.tenantId}`;
    expect(bDevices.map((d) => d.fw_version)).toEqual(["1.0.0", "1.0.0"]);
    const bKeys = await handle.sql`
      SELECT (SELECT count(*)::int FROM tenant_signing_keys WHERE tenant_id = ${b.tenantId} AND retired_at IS NULL) AS signing,
             (SELECT count(*)::int FROM release_keys WHERE tenant_id = ${b.tenantId} AND retired_at IS NULL) AS release`;
    expect(bKeys[0]).toEqual({ signing: 1, release: 1 });
  });

  it("has the tenant isolation policy on every table with a tenant_id column", async () => {
    const rows = await handle.sql<
      { table: string; rls: boolean; policy: string | null; qual: string | null; check: string | null }[]
    >`
      SELECT c.relname AS table, c.relrowsecurity AS rls, p.policyname AS policy, p.qual, p.with_check AS check
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      JOIN pg_attribute att ON att.attrelid = c.oid AND att.attname = 'tenant_id' AND NOT att.attisdropped
      LEFT JOIN pg_policies p ON p.schemaname = 'public' AND p.tablename = c.relname
      WHERE c.relkind = 'r'
      ORDER BY c.relname`;
    // Exactly TENANT_TABLES: a new tenant table must be added there, or the fuzz's "nothing
    // changed" check (tests/support/fuzz-harness.ts) and the visibility check above miss it.
    expect([...new Set(rows.map((r) => r.table))].sort()).toEqual([...TENANT_TABLES].sort());
    for (const r of rows) {
      expect({ table: r.table, rls: r.rls, policy: r.policy }).toEqual({
        table: r.table,
        rls: true,
        policy: `${r.table}_tenant_isolation`,
      });
      expect(r.qual).toContain("current_setting('app.tenant_id'::text, true)");
      expect(r.check).toContain("current_setting('app.tenant_id'::text, true)");
    }
  });

  it("would notice a dropped policy (the visibility check above is not decoration)", async () => {
    // Drop one policy inside a transaction that is rolled back, then look through the app role.
    const seen = await rolledBack(a.tenantId, visibleTenants, async (tx) => {
      await tx.execute(sql`DROP POLICY devices_tenant_isolation ON devices`);
    });
    expect(seen.devices).not.toEqual([a.tenantId]);
    expect(seen.firmware_versions).toEqual([a.tenantId]);
    const [still] =
      await handle.sql`SELECT count(*)::int AS n FROM pg_policies WHERE policyname = 'devices_tenant_isolation'`;
    expect(still!.n).toBe(1);
  });
});

/** Runs `fn` as the app role for `tenantId` (after `asOwner`, if given) and rolls everything back. */
async function rolledBack<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, asOwner?: (tx: Tx) => Promise<void>) {
  let result: T | undefined;
  await handle.db
    .transaction(async (tx) => {
      await asOwner?.(tx);
      await tx.execute(sql.raw(`SET LOCAL ROLE ${APP_ROLE}`));
      await tx.execute(sql`SELECT set_config('app.tenant_id', ${tenantId}, true)`);
      result = await fn(tx);
      tx.rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof TransactionRollbackError)) throw e;
    });
  return result as T;
}
