/**
 * The fuzz's route table: every exported method handler of every app/**\/route.ts, so that
 * the fuzz files (tests/integration/fuzz-*.test.ts) can call each one directly with a real
 * Request (the same code path as over HTTP: auth, parsing, the error mapper, RLS).
 */
import fs from "node:fs";
import path from "node:path";
import * as authLogin from "@/app/auth/login/route";
import * as authLogout from "@/app/auth/logout/route";
import * as authToken from "@/app/auth/token/route";
import * as groupMember from "@/app/customer/device-groups/[group_id]/members/[device_id]/route";
import * as groupMembers from "@/app/customer/device-groups/[group_id]/members/route";
import * as group from "@/app/customer/device-groups/[group_id]/route";
import * as groups from "@/app/customer/device-groups/route";
import * as deviceCredentials from "@/app/customer/devices/[device_id]/credentials/route";
import * as deviceOta from "@/app/customer/devices/[device_id]/ota/route";
import * as device from "@/app/customer/devices/[device_id]/route";
import * as devicesBulk from "@/app/customer/devices/bulk/route";
import * as devicesRoute from "@/app/customer/devices/route";
import * as firmwareDownloadUrl from "@/app/customer/firmware/[id]/download-url/route";
import * as firmwareOne from "@/app/customer/firmware/[id]/route";
import * as firmwareList from "@/app/customer/firmware/route";
import * as campaignAbort from "@/app/customer/ota/campaigns/[id]/abort/route";
import * as campaignDevices from "@/app/customer/ota/campaigns/[id]/devices/route";
import * as campaignPause from "@/app/customer/ota/campaigns/[id]/pause/route";
import * as campaignOne from "@/app/customer/ota/campaigns/[id]/route";
import * as campaignStart from "@/app/customer/ota/campaigns/[id]/start/route";
import * as campaignsRoute from "@/app/customer/ota/campaigns/route";
import * as campaignPreview from "@/app/customer/ota/campaigns/preview/route";
import * as releaseKey from "@/app/customer/ota/release-keys/[kid]/route";
import * as releaseKeys from "@/app/customer/ota/release-keys/route";
import * as otaSettings from "@/app/customer/ota/settings/route";
import * as signingKeyActivate from "@/app/customer/ota/signing-keys/[kid]/activate/route";
import * as signingKey from "@/app/customer/ota/signing-keys/[kid]/route";
import * as signingKeys from "@/app/customer/ota/signing-keys/route";
import * as signingKeyStatus from "@/app/customer/ota/signing-keys/status/route";
import * as catchAll from "@/app/customer/[...rest]/route";
import * as download from "@/app/firmware/[id]/download/route";
import * as health from "@/app/health/route";
import * as mqttAcl from "@/app/mqtt/acl/route";
import * as mqttAuth from "@/app/mqtt/auth/route";
import * as openapi from "@/app/openapi.json/route";
import type { Handler } from "./api";

export type Method = "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
export const METHODS: Method[] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/** URL path (as in app/) → the route module. */
export const MODULES: Record<string, Record<string, unknown>> = {
  "/auth/token": authToken,
  "/auth/login": authLogin,
  "/auth/logout": authLogout,
  "/health": health,
  "/openapi.json": openapi,
  "/firmware/[id]/download": download,
  "/customer/firmware": firmwareList,
  "/customer/firmware/[id]": firmwareOne,
  "/customer/firmware/[id]/download-url": firmwareDownloadUrl,
  "/customer/ota/campaigns": campaignsRoute,
  "/customer/ota/campaigns/[id]": campaignOne,
  "/customer/ota/campaigns/[id]/start": campaignStart,
  "/customer/ota/campaigns/[id]/pause": campaignPause,
  "/customer/ota/campaigns/[id]/abort": campaignAbort,
  "/customer/ota/campaigns/[id]/devices": campaignDevices,
  "/customer/ota/campaigns/preview": campaignPreview,
  "/customer/ota/signing-keys": signingKeys,
  "/customer/ota/signing-keys/[kid]": signingKey,
  "/customer/ota/signing-keys/[kid]/activate": signingKeyActivate,
  "/customer/ota/signing-keys/status": signingKeyStatus,
  "/customer/ota/release-keys": releaseKeys,
  "/customer/ota/release-keys/[kid]": releaseKey,
  "/customer/ota/settings": otaSettings,
  "/customer/devices": devicesRoute,
  "/customer/devices/bulk": devicesBulk,
  "/customer/devices/[device_id]": device,
  "/customer/devices/[device_id]/credentials": deviceCredentials,
  "/customer/devices/[device_id]/ota": deviceOta,
  "/customer/device-groups": groups,
  "/customer/device-groups/[group_id]": group,
  "/customer/device-groups/[group_id]/members": groupMembers,
  "/customer/device-groups/[group_id]/members/[device_id]": groupMember,
  "/customer/[...rest]": catchAll,
  "/mqtt/auth": mqttAuth,
  "/mqtt/acl": mqttAcl,
};

export interface Route {
  /** "POST /customer/devices" */
  name: string;
  path: string;
  method: Method;
  handler: Handler;
  paramNames: string[];
}

export const ROUTES: Route[] = Object.entries(MODULES).flatMap(([p, mod]) =>
  METHODS.filter((m) => typeof mod[m] === "function").map((method) => ({
    name: `${method} ${p}`,
    path: p,
    method,
    handler: mod[method] as Handler,
    paramNames: [...p.matchAll(/\[(?:\.\.\.)?(\w+)\]/g)].map((m) => m[1]!),
  })),
);
export const route = (name: string) => {
  const r = ROUTES.find((x) => x.name === name);
  if (!r) throw new Error(`no route ${name}`);
  return r;
};

/** Every app/**\/route.ts as its URL path, so that a new route cannot escape the fuzz. */
export function routeFilesOnDisk(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === "route.ts")
        out.push("/" + path.relative("app", path.dirname(full)).split(path.sep).join("/"));
    }
  };
  walk("app");
  return out.sort();
}
