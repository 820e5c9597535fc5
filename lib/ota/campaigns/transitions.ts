import { and, eq, inArray, sql } from "drizzle-orm";
import { config } from "@/lib/config";
import type { Tx } from "@/lib/db/client";
import { DISPATCH_LOCK } from "@/lib/db/locks";
import { otaCampaigns } from "@/lib/db/schema";
import { InvalidTransition, NotFound } from "@/lib/errors";
import { OPEN_CAMPAIGN_STATUSES, type CampaignStatus } from "@/lib/rules/statuses";

const TRANSITIONS = {
  start: { from: ["CREATED", "PAUSED"], to: "RUNNING" },
  pause: { from: ["RUNNING"], to: "PAUSED" },
  // Any campaign that still holds its devices can be aborted.
  abort: { from: OPEN_CAMPAIGN_STATUSES, to: "ABORTED" },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; to: CampaignStatus }>;
export type Transition = keyof typeof TRANSITIONS;
export const ABORTABLE: readonly CampaignStatus[] = TRANSITIONS.abort.from;

function refusal(action: Transition, status: CampaignStatus): string {
  return action === "abort"
    ? `Campaign already in terminal status ${status}`
    : `Cannot ${action} campaign in status ${status}`;
}

/**
 * Aborts a campaign (operator or engine): its PENDING devices become SKIPPED, then the
 * status changes by compare-and-set from one of `from`, with the reason. Returns false
 * (and the caller must roll back) when the status was not in `from` any more.
 *
 * Lock order matters here. The dispatch lock comes first (exclusive: it waits for the
 * publishes in progress, so no command is published after the abort commits). Then,
 * as for every writer, device rows in id order, and the campaign row after them (the
 * counter trigger takes it at the end of the statement), so the skip goes before the
 * status change.
 */
export async function abortCampaign(
  tx: Tx,
  tenantId: string,
  id: number,
  reason: string,
  from: readonly CampaignStatus[] = ABORTABLE,
): Promise<boolean> {
  await takeDispatchLock(tx, id);
  await tx.execute(sql`
    UPDATE ota_device_status SET status = 'SKIPPED', completed_at = now(), error_message = 'campaign aborted'
    WHERE id IN (
      SELECT id FROM ota_device_status
      WHERE tenant_id = ${tenantId} AND campaign_id = ${id} AND status = 'PENDING'
      ORDER BY id
      FOR UPDATE
    ) AND status = 'PENDING'`);
  const changed = await tx
    .update(otaCampaigns)
    .set({ status: "ABORTED", completedAt: sql`now()`, abortReason: reason })
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id), inArray(otaCampaigns.status, [...from])))
    .returning({ id: otaCampaigns.id });
  return changed.length > 0;
}

/** Exclusive: waits for the dispatches and probes publishing now (see DISPATCH_LOCK in lib/db/locks.ts). */
async function takeDispatchLock(tx: Tx, id: number) {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${DISPATCH_LOCK}, ${id})`);
}

async function currentStatus(tx: Tx, tenantId: string, id: number): Promise<CampaignStatus> {
  const [current] = await tx
    .select({ status: otaCampaigns.status })
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id)));
  if (!current) throw new NotFound("Campaign not found");
  return current.status;
}

/**
 * start / pause / abort by an operator. The change is a compare-and-set UPDATE, so
 * of two concurrent requests only the legal one succeeds.
 */
export async function transitionCampaign(tx: Tx, tenantId: string, id: number, action: Transition, actor: string) {
  const { from, to } = TRANSITIONS[action];
  if (action === "abort") {
    const status = await currentStatus(tx, tenantId, id);
    if (!ABORTABLE.includes(status)) throw new InvalidTransition(refusal(action, status));
    // Lost a race (the engine completed or aborted it meanwhile): the throw rolls the skip back.
    if (!(await abortCampaign(tx, tenantId, id, `Aborted by operator ${actor}`))) {
      throw new InvalidTransition(refusal(action, await currentStatus(tx, tenantId, id)));
    }
    return { id, status: to, tick_interval_ms: config().OTA_TICK_INTERVAL_MS };
  }
  // A pause, like an abort, waits for the publishes in progress (see DISPATCH_LOCK).
  if (action === "pause") await takeDispatchLock(tx, id);
  const [changed] = await tx
    .update(otaCampaigns)
    .set({
      status: to,
      ...(to === "RUNNING" ? { startedAt: sql`COALESCE(${otaCampaigns.startedAt}, now())` } : {}),
    })
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.id, id), inArray(otaCampaigns.status, [...from])))
    .returning({ id: otaCampaigns.id, status: otaCampaigns.status });
  if (!changed) throw new InvalidTransition(refusal(action, await currentStatus(tx, tenantId, id)));
  return { id: changed.id, status: changed.status, tick_interval_ms: config().OTA_TICK_INTERVAL_MS };
}
