import mqtt, { type MqttClient } from "mqtt";
import { expect } from "vitest";
import type { DbHandle } from "@/lib/db/client";
import { deviceGroupMembers, deviceGroups, devices, firmwareVersions } from "@/lib/db/schema";
import { withTenant } from "@/lib/db/tenant";
import { createCampaign, transitionCampaign } from "@/lib/ota/campaigns";
import { CampaignCreate } from "@/lib/ota/schemas";
import { startWorker, type Worker, type WorkerOptions } from "@/lib/rollout/worker";
import { isFinalCampaign } from "@/lib/rules/statuses";
import { createTestTenant } from "./db";
import { poll } from "./time";

export const FW_VERSION = "9.9.9";
/** The tick of a test's workers (workerFor), in ms: short, so that rollouts take seconds. */
export const TICK = 250;

/** A tenant with `n` sensors (dev-000…) on 1.0.0 in group "all", and firmware 9.9.9 for them. */
export async function fleetOf(handle: DbHandle, label: string, n: number, ids?: string[]) {
  const t = await createTestTenant(handle, label);
  const tenantId = t.tenantId;
  const deviceIds = ids ?? Array.from({ length: n }, (_, i) => `dev-${String(i).padStart(3, "0")}`);
  const [fw] = await handle.db
    .insert(firmwareVersions)
    .values({
      tenantId,
      version: FW_VERSION,
      fileUrl: "http://127.0.0.1:9/fw.bin",
      checksumSha256: "cd".repeat(32),
      deviceType: "sensor",
      fileSizeBytes: 1234,
    })
    .returning();
  await handle.db
    .insert(devices)
    .values(deviceIds.map((deviceId) => ({ tenantId, deviceId, deviceType: "sensor", fwVersion: "1.0.0" })));
  await handle.db.insert(deviceGroups).values({ tenantId, groupId: "all", name: "All" });
  await handle.db
    .insert(deviceGroupMembers)
    .values(deviceIds.map((deviceId) => ({ tenantId, groupId: "all", deviceId })));
  return { t, tenantId, fwId: fw!.id, deviceIds };
}

/** Creates (and by default starts) a campaign through the domain functions the API uses. */
export async function campaignFor(
  handle: DbHandle,
  tenantId: string,
  fwId: number,
  fields: Partial<Record<keyof CampaignCreate, unknown>> = {},
  opts: { start?: boolean } = {},
): Promise<number> {
  const body = CampaignCreate.parse({ name: "Rollout", firmware_version_id: fwId, target_group_id: "all", ...fields });
  const c = await withTenant(handle.db, tenantId, (tx) => createCampaign(tx, tenantId, body, "test"));
  if (opts.start !== false)
    await withTenant(handle.db, tenantId, (tx) => transitionCampaign(tx, tenantId, c.id, "start", "test"));
  return c.id;
}

/** A worker for one test's tenants, ticking fast. */
export function workerFor(handle: DbHandle, tenants: string[], over: Partial<WorkerOptions> = {}): Promise<Worker> {
  return startWorker({
    db: handle,
    mqtt: { url: process.env.MQTT_URL! },
    tickIntervalMs: TICK,
    publishTimeoutMs: 1000,
    publicUrl: "http://127.0.0.1:9",
    authSecret: process.env.AUTH_SECRET!,
    tenants,
    log: process.env.WORKER_LOG ? (l: string) => console.log(`[worker] ${l}`) : () => {},
    ...over,
  });
}

export interface Command {
  deviceId: string;
  campaignId: number;
  at: number;
  payload: Record<string, unknown>;
}

/**
 * Stands in for a tenant's devices on the broker: records every command, and lets a
 * test answer with whatever reports it wants. (The device simulator is tested on its own.)
 */
export async function devicesOnBroker(tenantId: string) {
  const client: MqttClient = await mqtt.connectAsync(process.env.MQTT_URL!, { clean: true, reconnectPeriod: 200 });
  const commands: Command[] = [];
  const listeners: ((c: Command) => void)[] = [];
  client.on("message", (topic, payload) => {
    const m = /^tenant\/[^/]+\/device\/([^/]+)\/ota$/.exec(topic);
    if (!m) return;
    const body = JSON.parse(payload.toString());
    const cmd = { deviceId: m[1]!, campaignId: body.campaign_id, at: Date.now(), payload: body };
    commands.push(cmd);
    for (const l of listeners) l(cmd);
  });
  await client.subscribeAsync(`tenant/${tenantId}/device/+/ota`, { qos: 1 });
  const report = (deviceId: string, body: Record<string, unknown> | string, topicTenant = tenantId) =>
    client.publishAsync(
      `tenant/${topicTenant}/device/${deviceId}/ota/status`,
      typeof body === "string" ? body : JSON.stringify(body),
      { qos: 1 },
    );
  return {
    commands,
    report,
    /** Calls `fn` for every command from now on (e.g. to answer it). */
    onCommand: (fn: (c: Command) => void) => listeners.push(fn),
    perDevice: () => {
      const n = new Map<string, number>();
      for (const c of commands) n.set(c.deviceId, (n.get(c.deviceId) ?? 0) + 1);
      return n;
    },
    close: () => client.endAsync(),
  };
}

/** Polls until `fn` returns a truthy value (or fails after `timeoutMs`). */
export function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  return poll(what, fn, { timeoutMs, intervalMs: 50, detail: (last) => ` (last: ${JSON.stringify(last)})` });
}

export interface CampaignState {
  status: string;
  phase: string;
  abort_reason: string | null;
  total_devices: number;
  pending: number;
  downloading: number;
  installing: number;
  succeeded: number;
  failed: number;
  skipped: number;
}

export async function campaignState(handle: DbHandle, id: number): Promise<CampaignState> {
  const [c] = await handle.sql<CampaignState[]>`
    SELECT status, phase, abort_reason, total_devices, pending, downloading, installing, succeeded, failed, skipped
    FROM ota_campaigns WHERE id = ${id}`;
  return c!;
}

export async function deviceRows(handle: DbHandle, id: number) {
  return handle.sql<
    {
      device_id: string;
      status: string;
      progress_pct: number;
      error_message: string | null;
      dispatch_count: number;
      canary: boolean;
    }[]
  >`
    SELECT device_id, status, progress_pct, error_message, dispatch_count, canary FROM ota_device_status
    WHERE campaign_id = ${id} ORDER BY device_id`;
}

/**
 * The invariant every rollout test ends on: the counters equal a GROUP BY over the
 * device rows, and every device is accounted for.
 */
export async function expectExactCounters(handle: DbHandle, id: number, opts: { finished?: boolean } = {}) {
  const c = await campaignState(handle, id);
  const rows = await handle.sql<{ status: string; n: number }[]>`
    SELECT status, count(*)::int AS n FROM ota_device_status WHERE campaign_id = ${id} GROUP BY status`;
  const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
  expect({
    pending: c.pending,
    downloading: c.downloading,
    installing: c.installing,
    succeeded: c.succeeded,
    failed: c.failed,
    skipped: c.skipped,
  }).toEqual({
    pending: by.PENDING ?? 0,
    downloading: by.DOWNLOADING ?? 0,
    installing: by.INSTALLING ?? 0,
    succeeded: by.SUCCESS ?? 0,
    failed: by.FAILED ?? 0,
    skipped: by.SKIPPED ?? 0,
  });
  if (opts.finished !== false) expect(c.succeeded + c.failed + c.skipped).toBe(c.total_devices);
  return c;
}

/**
 * Ends a test's campaign so that the final invariant can be checked in full: aborts it
 * if it is still going (its PENDING devices become SKIPPED), lets every commanded
 * device report SUCCESS, waits until nothing is in flight, then checks the counters
 * and that succeeded + failed + skipped = total.
 */
export async function finishAndCheck(
  handle: DbHandle,
  tenantId: string,
  id: number,
  fleet: { commands: Command[]; report: (d: string, body: Record<string, unknown>) => Promise<unknown> },
) {
  const s = await campaignState(handle, id);
  if (!isFinalCampaign(s.status)) {
    await withTenant(handle.db, tenantId, (tx) => transitionCampaign(tx, tenantId, id, "abort", "test"));
  }
  for (const d of new Set(fleet.commands.filter((c) => c.campaignId === id).map((c) => c.deviceId))) {
    await fleet.report(d, { campaign_id: id, status: "SUCCESS", version: FW_VERSION });
  }
  await until(async () => {
    const c = await campaignState(handle, id);
    return c.downloading + c.installing === 0;
  }, "in-flight devices to finish");
  return expectExactCounters(handle, id);
}
