import { randomBytes } from "node:crypto";
import { generateSigningKey, signManifest } from "@/lib/rollout/manifest";
import type { OtaCommand } from "@/lib/rollout/protocol";
import { spawnTsx } from "./children";
import { deviceId, FW_VERSION } from "./fleet";
import { countingSubscriber, type Counter } from "./mqtt";
import type { PublisherJob } from "./procs/publisher";
import { perSecond, sleep } from "./stats";

export interface DeliveryResult {
  /** Messages the subscriber received. */
  received: number;
  /** Distinct devices among them. */
  distinct: number;
  /** First to last message at the subscriber. */
  ms: number;
  perSecond: number;
  /** Sent (acknowledged by the broker) but never delivered: a broker queue limit. */
  dropped: number;
}

/** The command the engine publishes for URL-registered firmware, byte for byte the same size (its manifest too). */
function sampleCommand(campaignId: number, tenantId: string): string {
  const url = "http://127.0.0.1:9/fw.bin";
  const iat = Math.floor(Date.now() / 1000);
  const manifest = signManifest(
    {
      tenant_id: tenantId,
      device_id: deviceId(0),
      campaign_id: campaignId,
      version: FW_VERSION,
      sha256: "ab".repeat(32),
      size: 1048576,
      url,
      iat,
      exp: iat + 1800 + 3600,
    },
    generateSigningKey(),
  );
  const cmd: OtaCommand = {
    campaign_id: campaignId,
    firmware_url: url,
    version: FW_VERSION,
    checksum: "ab".repeat(32),
    action: "update",
    size: 1048576,
    manifest,
  };
  return JSON.stringify(cmd);
}

/**
 * The raw broker ceiling: a bare publisher (its own process, like the worker) sends
 * `count` commands at QoS 1 with the engine's window of 500 outstanding, to one wildcard
 * subscriber here, on the same broker the engine uses. Measured at the subscriber,
 * first to last message, exactly as dispatch is.
 */
export async function brokerCeiling(
  url: string,
  count: number,
  window: number,
  campaignId: number,
): Promise<DeliveryResult> {
  const tenantId = `bench-ceiling-${randomBytes(3).toString("hex")}`;
  const sub = await countingSubscriber(url, `tenant/${tenantId}/device/+/ota`);
  const job: PublisherJob = {
    kind: "ceiling",
    url,
    tenantId,
    count,
    window,
    payload: sampleCommand(campaignId, tenantId),
  };
  const pub = spawnTsx("publisher", "bench/procs/publisher.ts", { ...process.env, BENCH_JOB: JSON.stringify(job) });
  try {
    await pub.next("ready", 30_000);
    pub.send({ cmd: "go" });
    const done = await pub.next<{ acked: number }>("done", 600_000);
    await waitForCount(sub, done.acked, 5000);
    return delivery(sub, done.acked);
  } finally {
    await pub.stop();
    await sub.close();
  }
}

/** Waits until `counter` reaches `target`, or has not moved for `stallMs` (messages were dropped). */
export async function waitForCount(
  counter: Counter,
  target: number,
  stallMs: number,
  deadlineMs = 1_800_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last = -1;
  let since = Date.now();
  while (counter.count < target && Date.now() < deadline) {
    if (counter.count !== last) {
      last = counter.count;
      since = Date.now();
    } else if (Date.now() - since > stallMs) {
      return;
    }
    await sleep(20);
  }
}

export function delivery(sub: Counter, expected: number): DeliveryResult {
  const ms = sub.last - sub.first;
  return {
    received: sub.count,
    distinct: sub.distinct(),
    ms,
    perSecond: perSecond(sub.count, ms),
    dropped: Math.max(0, expected - sub.distinct()),
  };
}
