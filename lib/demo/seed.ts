import { and, eq, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/lib/db/client";
import { SEED_LOCK } from "@/lib/db/locks";
import {
  deviceGroupMembers,
  deviceGroups,
  devices,
  firmwareVersions,
  otaCampaigns,
  otaDeviceStatus,
  tenants,
  users,
} from "@/lib/db/schema";
import { hashPassword } from "@/lib/auth/password";
import { ensureSigningKey } from "@/lib/ota/signing-keys";
import { firmwareDownloadPath } from "@/lib/ota/signed-url";
import { removeStored, storeBuffer, type Stored } from "@/lib/ota/storage";
import { demoBinary } from "./binary";
import {
  DEMO_CAMPAIGN,
  DEMO_DEVICE_COUNT,
  DEMO_FIRMWARE,
  DEMO_GROUPS,
  DEMO_PASSWORD,
  DEMO_TENANTS,
  DEMO_USERS,
  demoDeviceId,
} from "./data";

/** True when no tenant exists yet: `npm start` seeds the demo only into a new database. */
export async function isDatabaseEmpty(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(tenants);
  return (row?.n ?? 0) === 0;
}

/**
 * Writes the demo data (lib/demo/data.ts). Runs as the migrating (owner) user because it writes
 * two tenants; every statement names its tenant. Idempotent: every insert skips
 * what exists, so seeding twice changes nothing.
 *
 * With `authSecret`, each demo tenant gets its command-signing key here, with the tenant,
 * as any tenant does (without it, the first dispatch or JWKS read creates it). The demo
 * devices get no credentials: a password nobody is shown is useless, so whoever runs them
 * issues their own (`npm start`'s simulator does, at every start).
 */
export async function seedDemo(db: Db, opts: { firmwareDir: string; authSecret?: string }): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  // Files written for rows that end up not inserted (they existed, or the transaction
  // rolled back) are removed again, so that seeding twice leaves no stray files.
  const written: Stored[] = [];
  const kept = new Set<string>();
  try {
    await seedInTransaction(db, opts, passwordHash, written, kept);
  } catch (err) {
    kept.clear();
    throw err;
  } finally {
    await Promise.all(written.filter((f) => !kept.has(f.key)).map((f) => removeStored(opts.firmwareDir, f.key)));
  }
}

async function seedInTransaction(
  db: Db,
  { firmwareDir, authSecret }: { firmwareDir: string; authSecret?: string },
  passwordHash: string,
  written: Stored[],
  kept: Set<string>,
) {
  await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${SEED_LOCK})`);
    await tx
      .insert(tenants)
      .values([...DEMO_TENANTS])
      .onConflictDoNothing();
    await tx
      .insert(users)
      .values(DEMO_USERS.map((u) => ({ ...u, passwordHash })))
      .onConflictDoNothing();

    for (const { tenantId } of DEMO_TENANTS) {
      if (authSecret) await ensureSigningKey(tx, tenantId, authSecret);
      const ids = Array.from({ length: DEMO_DEVICE_COUNT }, (_, i) => i + 1);
      await tx
        .insert(devices)
        .values(
          ids.map((n) => ({
            tenantId,
            deviceId: demoDeviceId(tenantId, n),
            deviceType: "sensor",
            fwVersion: n === DEMO_CAMPAIGN.failedDevice ? "1.0.0" : "1.1.0",
          })),
        )
        .onConflictDoNothing();
      await tx
        .insert(deviceGroups)
        .values(DEMO_GROUPS.map(({ groupId, name, description }) => ({ tenantId, groupId, name, description })))
        .onConflictDoNothing();
      await tx
        .insert(deviceGroupMembers)
        .values(
          DEMO_GROUPS.flatMap((g) =>
            g.members.map((n) => ({ tenantId, groupId: g.groupId, deviceId: demoDeviceId(tenantId, n) })),
          ),
        )
        .onConflictDoNothing();

      for (const fw of DEMO_FIRMWARE) {
        // Under the seed lock: a firmware that exists already gets no new file at all.
        const [existing] = await tx
          .select({ id: firmwareVersions.id })
          .from(firmwareVersions)
          .where(
            and(
              eq(firmwareVersions.tenantId, tenantId),
              eq(firmwareVersions.version, fw.version),
              eq(firmwareVersions.deviceType, "sensor"),
            ),
          );
        if (existing) continue;
        const content = demoBinary(`flotilla-demo-firmware-${fw.version}`, fw.size);
        const stored = await storeBuffer(firmwareDir, content);
        written.push(stored);
        const [created] = await tx
          .insert(firmwareVersions)
          .values({
            tenantId,
            version: fw.version,
            description: fw.description,
            fileUrl: "pending", // the download path needs the id: set just below
            fileSizeBytes: stored.sizeBytes,
            checksumSha256: stored.sha256,
            deviceType: "sensor",
            createdBy: `demo-admin-${tenantId}`,
            storageKey: stored.key,
          })
          .onConflictDoNothing()
          .returning({ id: firmwareVersions.id });
        if (!created) continue;
        kept.add(stored.key);
        await tx
          .update(firmwareVersions)
          .set({ fileUrl: firmwareDownloadPath(created.id) })
          .where(and(eq(firmwareVersions.tenantId, tenantId), eq(firmwareVersions.id, created.id)));
      }

      await seedCompletedCampaign(tx, tenantId);
    }
  });
}

async function seedCompletedCampaign(tx: DbOrTx, tenantId: string) {
  const [existing] = await tx
    .select({ id: otaCampaigns.id })
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.name, DEMO_CAMPAIGN.name)));
  if (existing) return;
  const [fw] = await tx
    .select({ id: firmwareVersions.id })
    .from(firmwareVersions)
    .where(
      and(
        eq(firmwareVersions.tenantId, tenantId),
        eq(firmwareVersions.version, DEMO_CAMPAIGN.version),
        eq(firmwareVersions.deviceType, "sensor"),
      ),
    );
  if (!fw) throw new Error(`demo firmware ${DEMO_CAMPAIGN.version} missing for ${tenantId}`);
  const [campaign] = await tx
    .insert(otaCampaigns)
    .values({
      tenantId,
      name: DEMO_CAMPAIGN.name,
      firmwareVersionId: fw.id,
      targetGroupId: DEMO_CAMPAIGN.groupId,
      rolloutStrategy: "linear",
      rolloutRate: DEMO_CAMPAIGN.rolloutRate,
      abortThreshold: DEMO_CAMPAIGN.abortThreshold,
      status: "COMPLETED",
      totalDevices: DEMO_DEVICE_COUNT,
      eligibleDevices: DEMO_DEVICE_COUNT,
      // succeeded / failed are not written here: the device rows below count themselves
      // into the campaign (triggers of migration 0003).
      startedAt: sql`now() - interval '2 days'`,
      completedAt: sql`now() - interval '1 day'`,
      createdBy: `demo-admin-${tenantId}`,
    })
    .returning({ id: otaCampaigns.id });
  const ids = Array.from({ length: DEMO_DEVICE_COUNT }, (_, i) => i + 1);
  await tx.insert(otaDeviceStatus).values(
    ids.map((n) => {
      const failed = n === DEMO_CAMPAIGN.failedDevice;
      return {
        tenantId,
        campaignId: campaign!.id,
        deviceId: demoDeviceId(tenantId, n),
        status: failed ? ("FAILED" as const) : ("SUCCESS" as const),
        progressPct: failed ? 0 : 100,
        errorMessage: failed ? DEMO_CAMPAIGN.failedMessage : null,
        startedAt: sql`now() - interval '2 days' + ${n - 1} * interval '10 minutes'`,
        completedAt: sql`now() - interval '1 day' + ${n - 1} * interval '5 minutes'`,
      };
    }),
  );
}
