import { Credentials, LOGIN_MAX_BODY_BYTES } from "@/lib/auth/login";
import { IdPath } from "@/lib/ota/schemas";
import { route } from "./spec";

/** The routes without a signed-in user: the token exchange, health and the device download. */
export const systemRoutes = {
  authToken: route({
    method: "post",
    path: "/auth/token",
    summary: "Exchange email and password for a bearer token",
    auth: "none",
    body: Credentials,
    maxBodyBytes: LOGIN_MAX_BODY_BYTES,
    ok: 200,
    errors: [400, 401, 413, 422, 429],
  }),
  health: route({
    method: "get",
    path: "/health",
    summary: "Liveness of the web server and its database",
    auth: "none",
    ok: 200,
    errors: [503],
  }),
  firmwareDownload: route({
    method: "get",
    path: "/firmware/{id}/download",
    summary: "Download stored firmware (signed URL; Range supported)",
    auth: "signed-url",
    params: IdPath,
    ok: 200,
    errors: [403, 404, 416, 422],
  }),
  firmwareDownloadHead: route({
    method: "head",
    path: "/firmware/{id}/download",
    summary: "Size and ETag of stored firmware (signed URL)",
    auth: "signed-url",
    params: IdPath,
    ok: 200,
    errors: [403, 404, 422],
  }),
};
