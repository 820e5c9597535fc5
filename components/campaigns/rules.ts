import { isDeviceStatus, type CampaignStatus, type DeviceStatus } from "@/lib/rules/statuses";

/**
 * What the campaign pages show and allow for each status: labels, actions and paging.
 * The statuses themselves and their groups live in lib/rules/statuses.ts; this file
 * only adds the screens' words, shared by the list and the detail page so that both
 * offer exactly the same actions.
 */
export const DEVICE_STATUS_LABEL: Record<DeviceStatus, string> = {
  PENDING: "Pending",
  DOWNLOADING: "Downloading",
  INSTALLING: "Installing",
  SUCCESS: "Succeeded",
  FAILED: "Failed",
  SKIPPED: "Skipped",
};

export type ActionLabel = "Start" | "Resume" | "Pause" | "Abort";

/** The label, the API verb and the toast for each action an operator can take. */
export const ACTIONS: Record<ActionLabel, { verb: "start" | "pause" | "abort"; done: string }> = {
  Start: { verb: "start", done: "Started" },
  Resume: { verb: "start", done: "Resumed" },
  Pause: { verb: "pause", done: "Paused" },
  Abort: { verb: "abort", done: "Aborted" },
};

/** The server's state machine, seen from the buttons: only legal actions are offered. */
export function legalActions(status: CampaignStatus): ActionLabel[] {
  switch (status) {
    case "CREATED":
      return ["Start", "Abort"];
    case "RUNNING":
      return ["Pause", "Abort"];
    case "PAUSED":
      return ["Resume", "Abort"];
    default:
      return [];
  }
}

/** A route segment that can be a campaign id (a positive int4), or null. */
export function parseCampaignId(segment: string): number | null {
  if (!/^\d{1,10}$/.test(segment)) return null;
  const n = Number(segment);
  return n >= 1 && n <= 2_147_483_647 ? n : null;
}

export function strategyText(c: { rollout_strategy: string; canary_percent: number }): string {
  return c.rollout_strategy === "canary" ? `Canary ${c.canary_percent}%` : "Linear";
}

/** `?page=N` (1-based) as an offset; anything else is the first page. */
export function offsetFromPage(page: string | null | undefined, limit: number): number {
  const n = Number(page);
  return Number.isInteger(n) && n > 1 ? (n - 1) * limit : 0;
}

export const pageFromOffset = (offset: number, limit: number) =>
  offset > 0 ? Math.floor(offset / limit) + 1 : undefined;

/** Devices per page of the campaign page's table. */
export const DEVICE_LIMIT = 50;

/**
 * The device table's query from the URL (?status=FAILED&page=3): the same on the
 * server, which prefetches it, and in the browser, so that both use one query key.
 */
export function deviceQueryFromUrl(status: string | null | undefined, page: string | null | undefined) {
  return {
    status: isDeviceStatus(status) ? status : undefined,
    limit: DEVICE_LIMIT,
    offset: offsetFromPage(page, DEVICE_LIMIT),
  };
}
