import { KidPath } from "@/lib/ota/schemas";
import { route } from "./spec";

/**
 * The tenant's command-signing keys (lib/ota/signing-keys.ts): the public halves as a JWKS,
 * which devices are provisioned with; staging, activating and retiring are an admin's, since
 * a key the fleet was not given, or a retired one, stops devices from accepting commands.
 */
export const signingRoutes = {
  signingKeyList: route({
    method: "get",
    path: "/customer/ota/signing-keys",
    summary: "The tenant's command-signing public keys as a JWKS (the signer first, staged keys included)",
    role: "viewer",
    ok: 200,
    errors: [401],
  }),
  signingKeyStatus: route({
    method: "get",
    path: "/customer/ota/signing-keys/status",
    summary: "The same keys, each with its status (active, staged, previous) and dates",
    role: "viewer",
    ok: 200,
    errors: [401],
  }),
  signingKeyStage: route({
    method: "post",
    path: "/customer/ota/signing-keys",
    summary: "Stage a new key: in the JWKS at once, signing only once activated (at most 3 keys: 409)",
    role: "admin",
    ok: 201,
    errors: [401, 403, 409],
  }),
  signingKeyActivate: route({
    method: "post",
    path: "/customer/ota/signing-keys/{kid}/activate",
    summary: "Make a key the signer (the worker follows within 30 s); the signer again is a no-op",
    role: "admin",
    params: KidPath,
    ok: 200,
    errors: [401, 403, 404, 422],
  }),
  signingKeyRetire: route({
    method: "delete",
    path: "/customer/ota/signing-keys/{kid}",
    summary: "Retire a signing key: it leaves the JWKS; never the last activated one (409)",
    role: "admin",
    params: KidPath,
    ok: 204,
    errors: [401, 403, 404, 409, 422],
  }),
};
