import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import type { DbOrTx, Tx } from "@/lib/db/client";
import { deviceGroupMembers, deviceGroups, devices, otaCampaigns } from "@/lib/db/schema";
import { Conflict, NotFound } from "@/lib/errors";
import { OPEN_CAMPAIGN_STATUSES } from "@/lib/rules/statuses";
import type { GroupCreate, MembersAdd, Pagination } from "./schemas";

type GroupRow = typeof deviceGroups.$inferSelect;

function groupJson(g: GroupRow, memberCount: number) {
  return {
    group_id: g.groupId,
    name: g.name,
    description: g.description,
    member_count: memberCount,
    created_at: g.createdAt.toISOString(),
  };
}

// The outer columns are written out in full on purpose: as a select field, drizzle renders
// ${deviceGroups.groupId} unqualified, and inside the subquery that would bind to `m`.
const memberCount = sql<number>`(SELECT count(*)::int FROM device_group_members m
  WHERE m.tenant_id = device_groups.tenant_id AND m.group_id = device_groups.group_id)`;

/** `GET /customer/device-groups`: by group id, each with its member count. */
export async function listGroups(tx: DbOrTx, tenantId: string, q: z.infer<typeof Pagination>) {
  const where = eq(deviceGroups.tenantId, tenantId);
  const [rows, [totals]] = await Promise.all([
    tx
      .select({ g: deviceGroups, n: memberCount })
      .from(deviceGroups)
      .where(where)
      .orderBy(asc(deviceGroups.groupId))
      .limit(q.limit)
      .offset(q.offset),
    tx.select({ total: count() }).from(deviceGroups).where(where),
  ]);
  return { groups: rows.map((r) => groupJson(r.g, r.n)), total: totals?.total ?? 0, limit: q.limit, offset: q.offset };
}

export async function createGroup(tx: Tx, tenantId: string, body: GroupCreate) {
  const [row] = await tx
    .insert(deviceGroups)
    .values({ tenantId, groupId: body.group_id, name: body.name, description: body.description ?? null })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new Conflict(`Device group ${body.group_id} already exists`);
  return groupJson(row, 0);
}

export async function getGroup(tx: DbOrTx, tenantId: string, groupId: string) {
  const [row] = await tx
    .select({ g: deviceGroups, n: memberCount })
    .from(deviceGroups)
    .where(and(eq(deviceGroups.tenantId, tenantId), eq(deviceGroups.groupId, groupId)));
  if (!row) throw new NotFound("Device group not found");
  return groupJson(row.g, row.n);
}

/** Refused (409) while a campaign that is not finished targets the group. */
export async function deleteGroup(tx: Tx, tenantId: string, groupId: string) {
  await getGroup(tx, tenantId, groupId);
  const [active] = await tx
    .select({ id: otaCampaigns.id })
    .from(otaCampaigns)
    .where(
      and(
        eq(otaCampaigns.tenantId, tenantId),
        eq(otaCampaigns.targetGroupId, groupId),
        inArray(otaCampaigns.status, [...OPEN_CAMPAIGN_STATUSES]),
      ),
    )
    .limit(1);
  if (active) throw new Conflict(`Device group is targeted by active campaign ${active.id}`);
  await tx.delete(deviceGroups).where(and(eq(deviceGroups.tenantId, tenantId), eq(deviceGroups.groupId, groupId)));
}

/** Bulk add: all or nothing. Any unknown device → 404 naming them, and nothing is added. */
export async function addMembers(tx: Tx, tenantId: string, groupId: string, body: MembersAdd) {
  await getGroup(tx, tenantId, groupId);
  const wanted = [...new Set(body.device_ids)];
  const found = await tx
    .select({ id: devices.deviceId })
    .from(devices)
    .where(and(eq(devices.tenantId, tenantId), inArray(devices.deviceId, wanted)));
  const known = new Set(found.map((d) => d.id));
  const unknown = wanted.filter((id) => !known.has(id));
  if (unknown.length) {
    const shown = unknown.slice(0, 20).join(", ");
    throw new NotFound(`Unknown devices: ${shown}${unknown.length > 20 ? ` and ${unknown.length - 20} more` : ""}`);
  }
  const added = await tx
    .insert(deviceGroupMembers)
    .values(wanted.map((deviceId) => ({ tenantId, groupId, deviceId })))
    .onConflictDoNothing()
    .returning({ id: deviceGroupMembers.deviceId });
  const group = await getGroup(tx, tenantId, groupId);
  return { group_id: groupId, added: added.length, member_count: group.member_count };
}

export async function removeMember(tx: Tx, tenantId: string, groupId: string, deviceId: string) {
  await getGroup(tx, tenantId, groupId);
  const removed = await tx
    .delete(deviceGroupMembers)
    .where(
      and(
        eq(deviceGroupMembers.tenantId, tenantId),
        eq(deviceGroupMembers.groupId, groupId),
        eq(deviceGroupMembers.deviceId, deviceId),
      ),
    )
    .returning({ id: deviceGroupMembers.deviceId });
  if (!removed.length) throw new NotFound("Device is not a member of this group");
}
