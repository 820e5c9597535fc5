/**
 * The one home of the status rules: which statuses exist, how they group, how far along
 * each one is, and which campaign counter counts it. Plain data with no imports, so the
 * web app, the worker, the simulator and the browser all load the same copy. SQL cannot
 * import it; where SQL repeats a rule (the `ota_status_rank` function, the counters
 * trigger, CHECK constraints), tests/integration/rules-sql.test.ts fails if they differ.
 */

export const CAMPAIGN_STATUSES = ["CREATED", "RUNNING", "PAUSED", "COMPLETED", "ABORTED"] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A campaign that still holds its devices: another campaign cannot claim them. */
export const OPEN_CAMPAIGN_STATUSES = ["CREATED", "RUNNING", "PAUSED"] as const satisfies readonly CampaignStatus[];
/** A campaign that changes on its own (the worker moves it), so pages poll it. */
export const LIVE_CAMPAIGN_STATUSES = ["RUNNING", "PAUSED"] as const satisfies readonly CampaignStatus[];
/** A campaign that will never change again. */
export const FINAL_CAMPAIGN_STATUSES = ["COMPLETED", "ABORTED"] as const satisfies readonly CampaignStatus[];

export const DEVICE_STATUSES = ["PENDING", "DOWNLOADING", "INSTALLING", "SUCCESS", "FAILED", "SKIPPED"] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

/** The statuses a device reports (it never reports PENDING or SKIPPED). */
export const REPORT_STATUSES = [
  "DOWNLOADING",
  "INSTALLING",
  "SUCCESS",
  "FAILED",
] as const satisfies readonly DeviceStatus[];
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** Commanded and not finished: the device is working on it (in flight). */
export const LIVE_DEVICE_STATUSES = ["DOWNLOADING", "INSTALLING"] as const satisfies readonly DeviceStatus[];
/** Not finished: waiting for its command or working on it. */
export const ACTIVE_DEVICE_STATUSES = ["PENDING", ...LIVE_DEVICE_STATUSES] as const satisfies readonly DeviceStatus[];
/** Finished for this campaign; the row never changes again. */
export const FINAL_DEVICE_STATUSES = ["SUCCESS", "FAILED", "SKIPPED"] as const satisfies readonly DeviceStatus[];

/**
 * How far along a status is: a device row only ever moves to a higher rank, and within
 * one live status only to higher progress. Every final status shares the top rank, so a
 * late SUCCESS cannot overwrite a FAILED (or the reverse).
 */
export const STATUS_RANK: Record<DeviceStatus, number> = {
  PENDING: 0,
  DOWNLOADING: 1,
  INSTALLING: 2,
  SUCCESS: 3,
  FAILED: 3,
  SKIPPED: 3,
};
export const FINAL_RANK = 3;

/** The column of `ota_campaigns` that counts the devices in each status. */
export const STATUS_COUNTER = {
  PENDING: "pending",
  DOWNLOADING: "downloading",
  INSTALLING: "installing",
  SUCCESS: "succeeded",
  FAILED: "failed",
  SKIPPED: "skipped",
} as const satisfies Record<DeviceStatus, string>;
export type StatusCounter = (typeof STATUS_COUNTER)[DeviceStatus];

const member =
  <T extends string>(list: readonly T[]) =>
  (s: string | null | undefined): s is T =>
    (list as readonly string[]).includes(s ?? "");

export const isCampaignStatus = member(CAMPAIGN_STATUSES);
export const isDeviceStatus = member(DEVICE_STATUSES);
export const isReportStatus = member(REPORT_STATUSES);
export const isLiveCampaign = member(LIVE_CAMPAIGN_STATUSES);
export const isOpenCampaign = member(OPEN_CAMPAIGN_STATUSES);
export const isFinalCampaign = member(FINAL_CAMPAIGN_STATUSES);
export const isLiveDevice = member(LIVE_DEVICE_STATUSES);
export const isActiveDevice = member(ACTIVE_DEVICE_STATUSES);
export const isFinalDevice = member(FINAL_DEVICE_STATUSES);

/** Whether a report moves a row: a higher rank, or the same live rank with more progress. */
export function movesForward(
  from: { status: DeviceStatus; progress: number },
  to: { status: DeviceStatus; progress: number },
): boolean {
  const a = STATUS_RANK[from.status];
  const b = STATUS_RANK[to.status];
  return b > a || (b === a && a < FINAL_RANK && to.progress > from.progress);
}
