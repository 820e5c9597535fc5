/**
 * Query keys, one factory per domain (TkDodo's pattern): every key of a domain starts
 * with its `all`, so a mutation invalidates exactly what it changed, e.g. a campaign's
 * detail and the lists, not the firmware library.
 */
type Params = Record<string, string | number | undefined>;

export const campaignKeys = {
  all: ["campaigns"] as const,
  lists: () => [...campaignKeys.all, "list"] as const,
  list: (p: Params) => [...campaignKeys.lists(), p] as const,
  details: () => [...campaignKeys.all, "detail"] as const,
  detail: (id: number) => [...campaignKeys.details(), id] as const,
  devices: (id: number, p: Params) => [...campaignKeys.detail(id), "devices", p] as const,
};

export const firmwareKeys = {
  all: ["firmware"] as const,
  list: (p: Params) => [...firmwareKeys.all, "list", p] as const,
};

export const deviceKeys = {
  all: ["devices"] as const,
  list: (p: Params) => [...deviceKeys.all, "list", p] as const,
  detail: (id: string) => [...deviceKeys.all, "detail", id] as const,
  history: (id: string, p: Params) => [...deviceKeys.detail(id), "history", p] as const,
};

export const groupKeys = {
  all: ["groups"] as const,
  list: (p: Params) => [...groupKeys.all, "list", p] as const,
  detail: (id: string) => [...groupKeys.all, "detail", id] as const,
};

export const healthKeys = { all: ["health"] as const };

/** Device trust: the tenant's signing keys, its release keys and its OTA settings. */
export const trustKeys = {
  all: ["trust"] as const,
  signingKeys: () => [...trustKeys.all, "signing-keys"] as const,
  releaseKeys: () => [...trustKeys.all, "release-keys"] as const,
  settings: () => [...trustKeys.all, "settings"] as const,
};

/** How often live pages poll while something is moving (a RUNNING or PAUSED campaign, or devices still finishing after a pause or an abort). */
export const LIVE_POLL_MS = 2500;
/** How often every page checks that a worker is running. */
export const HEALTH_POLL_MS = 15_000;
