import { setTimeout as sleep } from "node:timers/promises";
import type { OtaCommandPayload } from "@/lib/rollout/protocol";
import type { ReportStatus } from "@/lib/rules/statuses";
import { checkImage } from "@/lib/rollout/manifest";
import { downloadFirmware, DownloadError } from "./download";
import { checkCommand, type DeviceTrust } from "./trust";

/** How a device (mis)behaves. Rates are probabilities from 0 to 1, drawn per command. */
export interface DeviceBehaviour {
  /** Fails the install ("Simulated install failure"). Ids containing `-fail-` always fail. */
  failRate?: number;
  /** Receives the command, then reports nothing at all (exercises the worker's timeouts). */
  silentRate?: number;
  /** Drops the download connection once, mid-way, and resumes it with a Range request. */
  interruptRate?: number;
  /** Pause between steps (download start, install steps, reboot), in ms. Default 200. */
  delayMs?: number;
  /** The random source for the rates; inject one for deterministic tests. */
  random?: () => number;
}

/** What a device publishes on its status topic. */
export interface DeviceReport {
  campaign_id: number;
  status: ReportStatus;
  progress: number;
  error: string | null;
  version?: string;
}

export const CHECKSUM_MISMATCH = "Checksum mismatch after download";
export const INSTALL_FAILURE = "Simulated install failure";

const INSTALL_STEPS = [25, 50, 75, 100];
const PROGRESS_STEP = 10;
const PROGRESS_INTERVAL_MS = 250;

export interface UpdateContext {
  tenantId: string;
  deviceId: string;
  /** What the device was provisioned with; with a JWKS, every command's manifest is verified. */
  trust: DeviceTrust;
  /** The version the device runs now (for the log, and to refuse an unintended downgrade). */
  runningVersion: string | null;
  behaviour: DeviceBehaviour;
  /** Aborts when the device is stopped: the update ends where it is, reporting nothing more. */
  signal: AbortSignal;
  /** Publishes a report for this command's campaign. */
  report: (report: DeviceReport) => void;
  log: (line: string) => void;
}

/**
 * One update, start to end: the manifest's checks (a device provisioned with a JWKS
 * refuses, before any download, a command whose manifest fails one), DOWNLOADING with
 * real byte progress (streamed, hashed, resumed after an interruption), the SHA-256
 * check, INSTALLING in steps, a simulated reboot, then SUCCESS with the new version, or
 * FAILED with the reason. Resolves with
 * the version now running, or null when the update failed or the device stayed silent.
 */
export async function runUpdate(cmd: OtaCommandPayload, ctx: UpdateContext): Promise<string | null> {
  const { behaviour: b, signal } = ctx;
  const random = b.random ?? Math.random;
  const delayMs = Math.max(0, b.delayMs ?? 200);
  const campaignId = cmd.campaign_id;
  const log = (line: string) => ctx.log(`campaign ${campaignId}: ${line}`);
  // Every rate is drawn up front, in a fixed order, so that an injected random source tells a fixed story.
  const silent = random() < (b.silentRate ?? 0);
  const failing = ctx.deviceId.includes("-fail-") || random() < (b.failRate ?? 0);
  const interruptAt = random() < (b.interruptRate ?? 0) ? 0.2 + 0.6 * random() : null;
  if (silent) {
    log(`received ${cmd.version}, going silent (simulated)`);
    return null;
  }
  log(`updating ${ctx.runningVersion ?? "?"} → ${cmd.version}`);

  let progress = 0;
  const report = (status: ReportStatus, p: number, extra: { error?: string; version?: string } = {}) => {
    progress = p;
    ctx.report({
      campaign_id: campaignId,
      status,
      progress: p,
      error: extra.error ?? null,
      ...(extra.version ? { version: extra.version } : {}),
    });
  };
  const fail = (error: string) => {
    log(`FAILED: ${error}`);
    report("FAILED", progress, { error });
    return null;
  };

  const checked = await checkCommand(cmd, ctx.trust, {
    tenantId: ctx.tenantId,
    deviceId: ctx.deviceId,
    runningVersion: ctx.runningVersion,
  });
  if (!checked.ok) return fail(checked.reason);
  const claims = checked.claims;

  report("DOWNLOADING", 0);
  await sleep(delayMs, undefined, { signal });
  let lastAt = Date.now();
  const onProgress = (received: number, total: number | null) => {
    if (!total) return;
    const p = Math.min(100, Math.floor((received * 100) / total));
    // Forward only (a download that starts over stays quiet until it passes its best),
    // and throttled: every 10 points, or every 250 ms if it moved at all.
    if (p <= progress) return;
    if (p - progress < PROGRESS_STEP && Date.now() - lastAt < PROGRESS_INTERVAL_MS) return;
    lastAt = Date.now();
    report("DOWNLOADING", p);
  };
  let sha256: string;
  try {
    // The signed URL, not the command's (they are equal, or the check above refused).
    ({ sha256 } = await downloadFirmware(claims?.url ?? cmd.firmware_url, {
      size: cmd.size,
      signal,
      onProgress,
      interruptAt,
      retryDelayMs: Math.max(50, delayMs),
      userAgent: `flotilla-simulator (${ctx.deviceId})`,
      log,
    }));
  } catch (err) {
    if (signal.aborted) throw err;
    return fail(`Download failed: ${err instanceof DownloadError ? err.message : String(err)}`);
  }
  // With a manifest, the bytes must be the image it names (checkImage); the protocol's
  // report for a mismatch is the same either way.
  if (claims ? checkImage(claims, sha256) !== null : sha256 !== cmd.checksum) return fail(CHECKSUM_MISMATCH);
  if (progress < 100) report("DOWNLOADING", 100);

  report("INSTALLING", 0);
  for (const step of INSTALL_STEPS) {
    await sleep(delayMs, undefined, { signal });
    if (failing && step === 100) return fail(INSTALL_FAILURE);
    report("INSTALLING", step);
  }
  log(`rebooting into ${cmd.version}`);
  await sleep(delayMs, undefined, { signal });
  report("SUCCESS", 100, { version: cmd.version });
  log(`SUCCESS, running ${cmd.version}`);
  return cmd.version;
}
