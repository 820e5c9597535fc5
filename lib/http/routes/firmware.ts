import { FirmwareCreate, FirmwareListQuery, FirmwareUploadMetadata, IdPath } from "@/lib/ota/schemas";
import { route } from "./spec";

export const firmwareRoutes = {
  firmwareList: route({
    method: "get",
    path: "/customer/firmware",
    summary: "List firmware versions",
    role: "viewer",
    query: FirmwareListQuery,
    ok: 200,
    errors: [401, 422],
  }),
  firmwareCreate: route({
    method: "post",
    path: "/customer/firmware",
    summary: "Register firmware by URL (JSON) or upload it (multipart: metadata + file)",
    role: "operator",
    body: FirmwareCreate,
    multipart: FirmwareUploadMetadata,
    ok: 201,
    errors: [400, 401, 403, 409, 413, 422],
  }),
  firmwareGet: route({
    method: "get",
    path: "/customer/firmware/{id}",
    summary: "One firmware version",
    role: "viewer",
    params: IdPath,
    ok: 200,
    errors: [401, 404, 422],
  }),
  firmwareDelete: route({
    method: "delete",
    path: "/customer/firmware/{id}",
    summary: "Delete firmware no campaign refers to, and its stored file",
    role: "operator",
    params: IdPath,
    ok: 204,
    errors: [401, 403, 404, 409, 422],
  }),
  firmwareDownloadUrl: route({
    method: "get",
    path: "/customer/firmware/{id}/download-url",
    summary: "A fresh signed download URL for stored firmware",
    role: "viewer",
    params: IdPath,
    ok: 200,
    errors: [400, 401, 404, 422],
  }),
};
