import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db/client";

/** Above this many devices a new campaign changes the table enough to mislead the planner. */
export const ANALYZE_AFTER_DEVICES = 1_000;

/**
 * After a large campaign is created, its rows are new to the planner: until autovacuum
 * gets round to it, PostgreSQL believes the campaign has a few dozen rows and picks plans
 * that walk all of it per report (measured: 1.6–3.6 s for one ingestion batch instead of
 * 100 ms). ANALYZE needs the table's owner, which the connecting user is, and not the
 * RLS role, so it runs on `owner` after the creating transaction has committed (the web
 * wrapper's `afterCommit`). A failure is logged: the campaign exists either way.
 */
export async function refreshStatisticsAfterCreate(owner: DbOrTx, totalDevices: number): Promise<void> {
  if (totalDevices < ANALYZE_AFTER_DEVICES) return;
  await owner.execute(sql`ANALYZE ota_device_status`).catch((err: Error) => {
    console.error(`ANALYZE ota_device_status after a campaign of ${totalDevices} devices failed: ${err.message}`);
  });
}
