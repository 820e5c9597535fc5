import {
  CampaignCreate,
  CampaignDevicesQuery,
  CampaignListQuery,
  CampaignPreviewBody,
  IdPath,
} from "@/lib/ota/schemas";
import { route } from "./spec";

const transition = (action: "start" | "pause" | "abort", summary: string) =>
  route({
    method: "post",
    path: `/customer/ota/campaigns/{id}/${action}`,
    summary,
    role: "operator",
    params: IdPath,
    ok: 200,
    errors: [400, 401, 403, 404, 422],
  });

export const campaignRoutes = {
  campaignList: route({
    method: "get",
    path: "/customer/ota/campaigns",
    summary: "List campaigns, newest first, each with its status breakdown",
    role: "viewer",
    query: CampaignListQuery,
    ok: 200,
    errors: [401, 422],
  }),
  campaignCreate: route({
    method: "post",
    path: "/customer/ota/campaigns",
    summary: "Create a campaign for a device group",
    role: "operator",
    body: CampaignCreate,
    ok: 201,
    errors: [400, 401, 403, 404, 413, 422],
  }),
  campaignPreview: route({
    method: "post",
    path: "/customer/ota/campaigns/preview",
    summary: "Dry run of creation: members, eligible devices, skip reasons and canary size; creates nothing",
    role: "viewer",
    body: CampaignPreviewBody,
    ok: 200,
    errors: [400, 401, 404, 413, 422],
  }),
  campaignGet: route({
    method: "get",
    path: "/customer/ota/campaigns/{id}",
    summary: "One campaign with its firmware and status breakdown",
    role: "viewer",
    params: IdPath,
    ok: 200,
    errors: [401, 404, 422],
  }),
  campaignStart: transition("start", "Start or resume (from CREATED or PAUSED)"),
  campaignPause: transition("pause", "Pause (from RUNNING)"),
  campaignAbort: transition("abort", "Abort (from any non-terminal status); PENDING devices become SKIPPED"),
  campaignDevices: route({
    method: "get",
    path: "/customer/ota/campaigns/{id}/devices",
    summary: "Per-device status of a campaign",
    role: "viewer",
    params: IdPath,
    query: CampaignDevicesQuery,
    ok: 200,
    errors: [401, 404, 422],
  }),
};
