import { KidPath, OtaSettingsUpdate, ReleaseKeyCreate } from "@/lib/ota/schemas";
import { route } from "./spec";

/**
 * The operator's release keys and the tenant's "require signed firmware" setting
 * (lib/ota/release-keys.ts). Keys and the setting are an admin's: they decide which images
 * any operator may roll out.
 */
export const releaseRoutes = {
  releaseKeyList: route({
    method: "get",
    path: "/customer/ota/release-keys",
    summary: "List the tenant's release public keys, retired ones included",
    role: "viewer",
    ok: 200,
    errors: [401],
  }),
  releaseKeyCreate: route({
    method: "post",
    path: "/customer/ota/release-keys",
    summary: "Register a release public key (Ed25519, as a JWK or a PEM SPKI string)",
    role: "admin",
    body: ReleaseKeyCreate,
    ok: 201,
    errors: [400, 401, 403, 409, 413, 422],
  }),
  releaseKeyRetire: route({
    method: "delete",
    path: "/customer/ota/release-keys/{kid}",
    summary: "Retire a release key: it verifies no new firmware",
    role: "admin",
    params: KidPath,
    ok: 204,
    errors: [401, 403, 404, 422],
  }),
  otaSettingsGet: route({
    method: "get",
    path: "/customer/ota/settings",
    summary: "The tenant's OTA settings (require_signed_firmware)",
    role: "viewer",
    ok: 200,
    errors: [401],
  }),
  otaSettingsUpdate: route({
    method: "patch",
    path: "/customer/ota/settings",
    summary: "Change the tenant's OTA settings; requiring signed firmware needs an unretired release key",
    role: "admin",
    body: OtaSettingsUpdate,
    ok: 200,
    errors: [400, 401, 403, 409, 413, 422],
  }),
};
