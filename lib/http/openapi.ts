import { z } from "zod";
import { Credentials } from "@/lib/auth/login";
import { ERROR_CODES } from "@/lib/errors";
import {
  CampaignCreate,
  CampaignDevicesQuery,
  CampaignListQuery,
  CampaignPreviewBody,
  DeviceCreate,
  DeviceListQuery,
  DevicePath,
  FirmwareCreate,
  FirmwareListQuery,
  FirmwareUploadMetadata,
  GroupCreate,
  GroupPath,
  IdPath,
  MemberPath,
  MembersAdd,
  Pagination,
} from "@/lib/ota/schemas";

type Method = "get" | "post" | "delete" | "head";
interface RouteSpec {
  method: Method;
  path: string;
  summary: string;
  /** The least role; omitted for routes without a user. */
  role?: "viewer" | "operator";
  auth?: "none" | "signed-url";
  path_params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType | "multipart";
  ok: number;
  errors: number[];
}

/**
 * Every route of the API, described with the very schemas that validate it.
 * tests/integration/openapi.test.ts fails when a route file exists that is not
 * listed here, or the other way round.
 */
export const ROUTES: RouteSpec[] = [
  {
    method: "post",
    path: "/auth/token",
    summary: "Exchange email and password for a bearer token",
    auth: "none",
    body: Credentials,
    ok: 200,
    errors: [400, 401, 413, 422, 429],
  },
  {
    method: "get",
    path: "/health",
    summary: "Liveness of the web server and its database",
    auth: "none",
    ok: 200,
    errors: [503],
  },
  {
    method: "get",
    path: "/firmware/{id}/download",
    summary: "Download stored firmware (signed URL; Range supported)",
    auth: "signed-url",
    path_params: IdPath,
    ok: 200,
    errors: [403, 404, 416, 422],
  },
  {
    method: "head",
    path: "/firmware/{id}/download",
    summary: "Size and ETag of stored firmware (signed URL)",
    auth: "signed-url",
    path_params: IdPath,
    ok: 200,
    errors: [403, 404, 422],
  },
  {
    method: "get",
    path: "/customer/firmware",
    summary: "List firmware versions",
    role: "viewer",
    query: FirmwareListQuery,
    ok: 200,
    errors: [401, 422],
  },
  {
    method: "post",
    path: "/customer/firmware",
    summary: "Register firmware by URL (JSON) or upload it (multipart: metadata + file)",
    role: "operator",
    body: FirmwareCreate,
    ok: 201,
    errors: [400, 401, 403, 409, 413, 422],
  },
  {
    method: "get",
    path: "/customer/firmware/{id}",
    summary: "One firmware version",
    role: "viewer",
    path_params: IdPath,
    ok: 200,
    errors: [401, 404, 422],
  },
  {
    method: "delete",
    path: "/customer/firmware/{id}",
    summary: "Delete firmware no campaign refers to, and its stored file",
    role: "operator",
    path_params: IdPath,
    ok: 204,
    errors: [401, 403, 404, 409, 422],
  },
  {
    method: "get",
    path: "/customer/firmware/{id}/download-url",
    summary: "A fresh signed download URL for stored firmware",
    role: "viewer",
    path_params: IdPath,
    ok: 200,
    errors: [400, 401, 404, 422],
  },
  {
    method: "get",
    path: "/customer/ota/campaigns",
    summary: "List campaigns, newest first, each with its status breakdown",
    role: "viewer",
    query: CampaignListQuery,
    ok: 200,
    errors: [401, 422],
  },
  {
    method: "post",
    path: "/customer/ota/campaigns",
    summary: "Create a campaign for a device group",
    role: "operator",
    body: CampaignCreate,
    ok: 201,
    errors: [400, 401, 403, 404, 413, 422],
  },
  {
    method: "post",
    path: "/customer/ota/campaigns/preview",
    summary: "Dry run of creation: members, eligible devices, skip reasons and canary size; creates nothing",
    role: "viewer",
    body: CampaignPreviewBody,
    ok: 200,
    errors: [400, 401, 404, 413, 422],
  },
  {
    method: "get",
    path: "/customer/ota/campaigns/{id}",
    summary: "One campaign with its firmware and status breakdown",
    role: "viewer",
    path_params: IdPath,
    ok: 200,
    errors: [401, 404, 422],
  },
  {
    method: "post",
    path: "/customer/ota/campaigns/{id}/start",
    summary: "Start or resume (from CREATED or PAUSED)",
    role: "operator",
    path_params: IdPath,
    ok: 200,
    errors: [400, 401, 403, 404, 422],
  },
  {
    method: "post",
    path: "/customer/ota/campaigns/{id}/pause",
    summary: "Pause (from RUNNING)",
    role: "operator",
    path_params: IdPath,
    ok: 200,
    errors: [400, 401, 403, 404, 422],
  },
  {
    method: "post",
    path: "/customer/ota/campaigns/{id}/abort",
    summary: "Abort (from any non-terminal status); PENDING devices become SKIPPED",
    role: "operator",
    path_params: IdPath,
    ok: 200,
    errors: [400, 401, 403, 404, 422],
  },
  {
    method: "get",
    path: "/customer/ota/campaigns/{id}/devices",
    summary: "Per-device status of a campaign",
    role: "viewer",
    path_params: IdPath,
    query: CampaignDevicesQuery,
    ok: 200,
    errors: [401, 404, 422],
  },
  {
    method: "get",
    path: "/customer/devices",
    summary: "List devices",
    role: "viewer",
    query: DeviceListQuery,
    ok: 200,
    errors: [401, 422],
  },
  {
    method: "post",
    path: "/customer/devices",
    summary: "Register a device",
    role: "operator",
    body: DeviceCreate,
    ok: 201,
    errors: [400, 401, 403, 409, 413, 422],
  },
  {
    method: "get",
    path: "/customer/devices/{device_id}",
    summary: "One device with its groups",
    role: "viewer",
    path_params: DevicePath,
    ok: 200,
    errors: [401, 404, 422],
  },
  {
    method: "delete",
    path: "/customer/devices/{device_id}",
    summary: "Delete a device that no active campaign is updating",
    role: "operator",
    path_params: DevicePath,
    ok: 204,
    errors: [401, 403, 404, 409, 422],
  },
  {
    method: "get",
    path: "/customer/devices/{device_id}/ota",
    summary: "A device's OTA history across campaigns",
    role: "viewer",
    path_params: DevicePath,
    query: Pagination,
    ok: 200,
    errors: [401, 404, 422],
  },
  {
    method: "get",
    path: "/customer/device-groups",
    summary: "List device groups with member counts",
    role: "viewer",
    query: Pagination,
    ok: 200,
    errors: [401, 422],
  },
  {
    method: "post",
    path: "/customer/device-groups",
    summary: "Create a device group",
    role: "operator",
    body: GroupCreate,
    ok: 201,
    errors: [400, 401, 403, 409, 413, 422],
  },
  {
    method: "get",
    path: "/customer/device-groups/{group_id}",
    summary: "One device group",
    role: "viewer",
    path_params: GroupPath,
    ok: 200,
    errors: [401, 404, 422],
  },
  {
    method: "delete",
    path: "/customer/device-groups/{group_id}",
    summary: "Delete a group no active campaign targets",
    role: "operator",
    path_params: GroupPath,
    ok: 204,
    errors: [401, 403, 404, 409, 422],
  },
  {
    method: "post",
    path: "/customer/device-groups/{group_id}/members",
    summary: "Add devices to a group (all or nothing)",
    role: "operator",
    path_params: GroupPath,
    body: MembersAdd,
    ok: 200,
    errors: [400, 401, 403, 404, 413, 422],
  },
  {
    method: "delete",
    path: "/customer/device-groups/{group_id}/members/{device_id}",
    summary: "Remove a device from a group",
    role: "operator",
    path_params: MemberPath,
    ok: 204,
    errors: [401, 403, 404, 422],
  },
];

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

const ERROR = {
  type: "object",
  required: ["detail", "code"],
  properties: {
    detail: {
      oneOf: [
        { type: "string" },
        {
          type: "array",
          items: {
            type: "object",
            properties: { loc: { type: "array" }, msg: { type: "string" }, type: { type: "string" } },
          },
        },
      ],
    },
    code: { type: "string", enum: [...ERROR_CODES] },
  },
};

function parameters(spec: RouteSpec) {
  const out: object[] = [];
  for (const [where, schema] of [
    ["path", spec.path_params],
    ["query", spec.query],
  ] as const) {
    if (!schema) continue;
    const s = json(schema) as { properties?: Record<string, object>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({ name, in: where, required: where === "path" || (s.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

function requestBody(spec: RouteSpec) {
  if (!spec.body) return undefined;
  const content: Record<string, object> = { "application/json": { schema: json(spec.body as z.ZodType) } };
  if (spec.path === "/customer/firmware" && spec.method === "post") {
    content["multipart/form-data"] = {
      schema: {
        type: "object",
        required: ["metadata", "file"],
        properties: {
          metadata: json(FirmwareUploadMetadata),
          file: { type: "string", contentMediaType: "application/octet-stream" },
        },
      },
      encoding: { metadata: { contentType: "application/json" } },
    };
  }
  return { required: true, content };
}

const RETRY_AFTER = { description: "Seconds until the lock ends", schema: { type: "integer", minimum: 1 } };

function errorResponse(status: number) {
  return {
    description: status === 429 ? "Too many failed logins for this account or address: locked for a while" : "Error",
    ...(status === 429 ? { headers: { "Retry-After": RETRY_AFTER } } : {}),
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

/** The OpenAPI 3.1 document served at /openapi.json. */
export function openApiDocument() {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of ROUTES) {
    const security = spec.auth === "none" || spec.auth === "signed-url" ? [] : [{ bearer: [] }, { cookie: [] }];
    (paths[spec.path] ??= {})[spec.method] = {
      summary: spec.summary,
      ...(spec.role ? { description: `Least role: ${spec.role}.` } : {}),
      security,
      parameters: parameters(spec),
      ...(requestBody(spec) ? { requestBody: requestBody(spec) } : {}),
      responses: {
        [spec.ok]: { description: spec.ok === 204 ? "No content" : "Success" },
        ...Object.fromEntries(spec.errors.map((s) => [s, errorResponse(s)])),
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Flotilla API", version: "0.1.0", description: "OTA firmware updates for device fleets." },
    paths,
    components: {
      schemas: { Error: ERROR },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        cookie: { type: "apiKey", in: "cookie", name: "flotilla_session" },
      },
    },
  };
}
