import { drizzle } from "drizzle-orm/postgres-js";
import type { MqttClient } from "mqtt";
import type postgres from "postgres";
import { DISPATCH_LOCK } from "@/lib/db/locks";
import * as schema from "@/lib/db/schema";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { manifestSigners, type ManifestSigner, type ManifestSigners } from "@/lib/ota/signing-keys";
import { manifestsFor, type ManifestClaims } from "./manifest";
import { commandTopic, type OtaCommand } from "./protocol";

export interface DispatchDeps {
  sql: postgres.Sql;
  mqtt: MqttClient;
  tickIntervalMs: number;
  publishTimeoutMs: number;
  publicUrl: string;
  authSecret: string;
  /** Only these tenants' campaigns (a sharded worker); all when undefined. */
  tenants?: string[];
  log: (line: string) => void;
  /**
   * The tenants' command-signing keys (one cache per process: the worker makes it once).
   * When absent, one cache per `sql` pool and secret is made on first use.
   */
  signers?: ManifestSigners;
  /**
   * Bench only (bench/dispatch.ts): commands without a manifest, the figure that signing's
   * cost is measured against. Nothing in the product sets it: devices refuse such commands.
   */
  unsignedForBench?: boolean;
}

export interface DispatchStats {
  dispatched: number;
  publish_failures: number;
}

/** Devices claimed and published per transaction when a tick's budget is large. */
const CHUNK = 1000;
/** Publishes outstanding at once on the command connection. */
const WINDOW = 500;

export interface CampaignForDispatch {
  id: number;
  tenant_id: string;
  rollout_rate: number;
  max_in_flight: number | null;
  phase: "canary" | "rollout";
  canary_size: number;
  eligible_devices: number;
  pending: number;
  downloading: number;
  installing: number;
  device_timeout_seconds: number;
  last_dispatch_slot: string | null;
  slot: string;
  firmware_id: number;
  version: string;
  checksum_sha256: string | null;
  file_url: string;
  file_size_bytes: string | null;
  storage_key: string | null;
  release_signature: string | null;
  release_kid: string | null;
}

/**
 * One dispatch tick over every RUNNING campaign whose slot is free. The slot is
 * floor(now / tick interval): each campaign dispatches at most once per slot,
 * however many workers tick, because the slot is checked and taken under the
 * campaign row's lock.
 */
export async function dispatchTick(deps: DispatchDeps): Promise<DispatchStats> {
  const stats: DispatchStats = { dispatched: 0, publish_failures: 0 };
  // Commands would only pile up in the client's queue while the broker is away.
  if (!deps.mqtt.connected) return stats;
  const due = await deps.sql<{ id: number; tenant_id: string }[]>`
    SELECT id, tenant_id FROM ota_campaigns
    WHERE status = 'RUNNING'
      AND (last_dispatch_slot IS NULL OR last_dispatch_slot < floor(extract(epoch FROM now()) * 1000 / ${deps.tickIntervalMs}))
      ${deps.tenants ? deps.sql`AND tenant_id = ANY(${deps.tenants})` : deps.sql``}
    ORDER BY id`;
  for (const c of due) {
    try {
      const s = await dispatchCampaign(deps, c.tenant_id, c.id);
      stats.dispatched += s.dispatched;
      stats.publish_failures += s.publish_failures;
    } catch (err) {
      deps.log(`dispatch: campaign ${c.id} (${c.tenant_id}) failed this tick: ${(err as Error).message}`);
    }
  }
  return stats;
}

/**
 * Dispatches one campaign's share for this slot.
 *
 * First a short transaction takes the campaign row (FOR UPDATE), checks and takes the
 * slot, and fixes the budget: rollout_rate, less what max_in_flight and the canary
 * wave leave room for. Then chunk transactions, two at a time so that one publishes
 * while the other writes, each of which:
 *   - holds the campaign's dispatch lock in shared mode (DISPATCH_LOCK, lib/db/locks.ts); an
 *     abort or a pause takes it exclusively, so it waits for the publishes in progress
 *     and every later chunk sees the new status: nothing is published after an abort
 *     or a pause commits;
 *   - claims PENDING rows FOR UPDATE SKIP LOCKED, publishes, and marks DOWNLOADING
 *     exactly the devices whose command the broker acknowledged.
 * The claim is the row lock: if this process dies mid-publish, PostgreSQL drops the
 * transaction and its locks at once, the rows are still PENDING, and the next tick
 * re-dispatches them (a duplicate command at worst, which devices answer with their
 * latest report). A worker that hangs loses its claim after
 * idle_in_transaction_session_timeout. A publish that fails or times out leaves its
 * device PENDING for the next tick, never FAILED.
 */
export async function dispatchCampaign(
  deps: DispatchDeps,
  tenantId: string,
  campaignId: number,
): Promise<DispatchStats> {
  const stats: DispatchStats = { dispatched: 0, publish_failures: 0 };
  // The key first: a tenant whose key cannot be read (AUTH_SECRET changed) keeps its slot
  // and its devices PENDING, and the reason is in the log; nothing unsigned goes out.
  const signer = await signerOf(deps, tenantId);
  const plan = await deps.sql.begin(async (tx) => {
    const [c] = await tx<CampaignForDispatch[]>`
      SELECT c.id, c.tenant_id, c.rollout_rate, c.max_in_flight, c.phase, c.canary_size, c.eligible_devices,
             c.pending, c.downloading, c.installing, c.device_timeout_seconds, c.last_dispatch_slot,
             floor(extract(epoch FROM now()) * 1000 / ${deps.tickIntervalMs})::bigint AS slot,
             fv.id AS firmware_id, fv.version, fv.checksum_sha256, fv.file_url, fv.file_size_bytes, fv.storage_key,
             fv.release_signature, fv.release_kid
      FROM ota_campaigns c
      JOIN firmware_versions fv ON fv.tenant_id = c.tenant_id AND fv.id = c.firmware_version_id
      WHERE c.tenant_id = ${tenantId} AND c.id = ${campaignId} AND c.status = 'RUNNING'
      FOR UPDATE OF c`;
    if (!c) return null;
    if (c.last_dispatch_slot !== null && BigInt(c.last_dispatch_slot) >= BigInt(c.slot)) return null;
    await tx`UPDATE ota_campaigns SET last_dispatch_slot = ${c.slot} WHERE id = ${c.id}`;
    let budget = c.rollout_rate;
    if (c.max_in_flight !== null) budget = Math.min(budget, c.max_in_flight - c.downloading - c.installing);
    // During the canary phase only the canary wave goes out (its rows have the lowest ids).
    if (c.phase === "canary") budget = Math.min(budget, c.canary_size - (c.eligible_devices - c.pending));
    return { budget, canaryOnly: c.phase === "canary", commands: commandFor(c, tenantId, signer, deps) };
  });
  if (!plan || plan.budget <= 0) return stats;

  let remaining = plan.budget;
  let done = false;
  const lane = async () => {
    while (!done && remaining > 0) {
      const want = Math.min(remaining, CHUNK);
      remaining -= want;
      const r = await dispatchChunk(deps, tenantId, campaignId, want, plan);
      remaining += want - r.claimed;
      stats.dispatched += r.acked;
      stats.publish_failures += r.claimed - r.acked;
      if (r.acked < r.claimed) {
        deps.log(
          `dispatch: campaign ${campaignId}: ${r.claimed - r.acked} of ${r.claimed} commands not acknowledged; those devices stay PENDING`,
        );
        done = true;
      }
      // Fewer rows than asked for: nothing more to claim (or the campaign stopped).
      if (r.claimed < want) done = true;
    }
  };
  await Promise.all(Array.from({ length: PIPELINE }, lane));
  return stats;
}

/** Chunk transactions of one campaign in flight at once: one publishes while another writes. */
const PIPELINE = 2;

async function dispatchChunk(
  deps: DispatchDeps,
  tenantId: string,
  campaignId: number,
  want: number,
  plan: { canaryOnly: boolean; commands: (deviceIds: readonly string[]) => string[] },
): Promise<{ claimed: number; acked: number }> {
  return deps.sql.begin(async (tx) => {
    await tx`SELECT set_config('idle_in_transaction_session_timeout', ${String(deps.publishTimeoutMs + 10_000)}, true)`;
    await tx`SELECT pg_advisory_xact_lock_shared(${DISPATCH_LOCK}, ${campaignId})`;
    const [c] = await tx<{ status: string }[]>`
      SELECT status FROM ota_campaigns WHERE tenant_id = ${tenantId} AND id = ${campaignId}`;
    if (c?.status !== "RUNNING") return { claimed: 0, acked: 0 };
    const rows = await tx<{ id: string; device_id: string }[]>`
      SELECT id, device_id FROM ota_device_status
      WHERE tenant_id = ${tenantId} AND campaign_id = ${campaignId} AND status = 'PENDING'
        ${plan.canaryOnly ? tx`AND canary` : tx``}
      ORDER BY id
      LIMIT ${want}
      FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return { claimed: 0, acked: 0 };
    const payloads = plan.commands(rows.map((row) => row.device_id));
    const acked = await publishAll(
      deps.mqtt,
      rows.map((row, i) => ({ topic: commandTopic(tenantId, row.device_id), payload: payloads[i]! })),
      deps.publishTimeoutMs,
    );
    const ackedIds = rows.filter((_, i) => acked[i]).map((row) => row.id);
    if (ackedIds.length > 0) {
      await tx`
        UPDATE ota_device_status SET
          status = 'DOWNLOADING', progress_pct = 0, started_at = coalesce(started_at, now()),
          dispatched_at = now(), last_report_at = now(), dispatch_count = dispatch_count + 1
        WHERE id = ANY(${ackedIds}::bigint[]) AND status = 'PENDING'`;
    }
    return { claimed: rows.length, acked: ackedIds.length };
  });
}

const fallbackSigners = new WeakMap<postgres.Sql, Map<string, ManifestSigners>>();

/** The tenant's active signing key (null only for the bench's unsigned baseline). */
export async function signerOf(deps: DispatchDeps, tenantId: string): Promise<ManifestSigner | null> {
  if (deps.unsignedForBench) return null;
  let signers = deps.signers;
  if (!signers) {
    let bySecret = fallbackSigners.get(deps.sql);
    if (!bySecret) fallbackSigners.set(deps.sql, (bySecret = new Map()));
    signers = bySecret.get(deps.authSecret);
    if (!signers) {
      signers = manifestSigners(drizzle(deps.sql, { schema }), deps.authSecret);
      bySecret.set(deps.authSecret, signers);
    }
  }
  return signers.forTenant(tenantId);
}

/**
 * The commands for this campaign, one per device: the seed's fields, with a download URL
 * minted now and valid beyond the device timeout, and the device's own signed manifest
 * (lib/rollout/manifest.ts) naming the same URL, valid as long. Everything but the device
 * is serialised once, here; per device there is one splice and one signature.
 */
export function commandFor(
  c: Pick<
    CampaignForDispatch,
    | "id"
    | "firmware_id"
    | "version"
    | "checksum_sha256"
    | "file_url"
    | "file_size_bytes"
    | "storage_key"
    | "device_timeout_seconds"
    | "release_signature"
    | "release_kid"
  >,
  tenantId: string,
  signer: ManifestSigner | null,
  deps: Pick<DispatchDeps, "publicUrl" | "authSecret">,
): (deviceIds: readonly string[]) => string[] {
  const now = Date.now();
  // Valid for the device timeout plus an hour: a device that is still within its timeout
  // can always (re)start or resume its download, and its manifest is still good.
  const validSeconds = c.device_timeout_seconds + 3600;
  let url = c.file_url;
  if (c.storage_key) {
    url = `${deps.publicUrl}${signDownloadUrl(c.firmware_id, new Date(now + validSeconds * 1000), deps.authSecret)}`;
  }
  const size = c.file_size_bytes === null ? null : Number(c.file_size_bytes);
  const cmd: Omit<OtaCommand, "manifest"> = {
    campaign_id: c.id,
    firmware_url: url,
    version: c.version,
    checksum: c.checksum_sha256 ?? "",
    action: "update",
    size,
  };
  const plain = JSON.stringify(cmd);
  if (!signer) return (deviceIds) => deviceIds.map(() => plain);
  const iat = Math.floor(now / 1000);
  const claims: Omit<ManifestClaims, "device_id"> = {
    tenant_id: tenantId,
    campaign_id: c.id,
    version: c.version,
    sha256: cmd.checksum,
    size,
    url,
    iat,
    exp: iat + validSeconds,
  };
  if (c.release_signature && c.release_kid) claims.release = { kid: c.release_kid, sig: c.release_signature };
  const manifests = manifestsFor(claims, signer);
  // The manifest last: a compact JWS is base64url and dots, nothing to escape.
  const head = `${plain.slice(0, -1)},"manifest":"`;
  return (deviceIds) => manifests(deviceIds).map((m) => `${head}${m}"}`);
}

/**
 * Publishes at QoS 1 with a bounded window of outstanding messages, and says which
 * ones the broker acknowledged before the deadline (`timeoutMs` from now, for the
 * whole set). A message not acknowledged in time is taken back out of the client's
 * queue, so that it is not sent later on top of the next tick's re-dispatch.
 */
export async function publishAll(
  mqtt: MqttClient,
  messages: { topic: string; payload: string }[],
  timeoutMs: number,
): Promise<boolean[]> {
  const results = new Array<boolean>(messages.length).fill(false);
  const deadline = Date.now() + timeoutMs;
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      let settled = false;
      const cb = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        results[i] = !err;
        resolve();
      };
      mqtt.publish(messages[i]!.topic, messages[i]!.payload, { qos: 1 }, cb);
      const id = mqtt.getLastMessageId();
      const mine = mqtt.outgoing[id]?.cb === cb ? id : undefined;
      const timer = setTimeout(
        () => {
          if (settled) return;
          settled = true;
          if (mine !== undefined) mqtt.removeOutgoingMessage(mine);
          resolve();
        },
        Math.max(0, deadline - Date.now()),
      );
    });
  const lane = async () => {
    while (next < messages.length && Date.now() < deadline) await one(next++);
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, messages.length) }, lane));
  return results;
}
