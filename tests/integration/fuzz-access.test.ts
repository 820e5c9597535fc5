/**
 * Fuzz of who sends a request and which ids it names: junk credentials in headers and
 * cookies (401), a still-valid token of a deleted tenant (no write), the other tenant's
 * ids (404, as if missing), and the guards on the arranged data that keep the random
 * requests of fuzz-routes.test.ts from changing it (409, 400, 404, 403). Each answer must
 * keep the rules in tests/support/fuzz-send.ts, and the arranged data must be unchanged
 * afterwards. Reproduce a run with
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz-access.test.ts
 */
import { it } from "vitest";
import { A_DEVICES, A_GROUP, B_DEVICE, B_GROUP, ids, junkAuth, staleAuth } from "../support/fuzz-arrange";
import { describeFuzz } from "../support/fuzz-harness";
import { route, ROUTES } from "../support/fuzz-routes";
import { runCases, type Case } from "../support/fuzz-send";

/** Each junk credential against a read, a create and a delete: 401 every time. */
function authCases(): Case[] {
  const targets = [
    route("GET /customer/devices"),
    route("POST /customer/devices"),
    route("DELETE /customer/devices/[device_id]"),
    route("POST /customer/ota/campaigns/[id]/start"),
  ];
  return junkAuth.flatMap(({ label, headers }) =>
    targets.map((r): Case => ({
      route: r,
      actor: "junk",
      note: label,
      params: r.paramNames.includes("id")
        ? { id: String(ids.guardCampaign) }
        : r.paramNames.length
          ? { device_id: A_DEVICES[0]! }
          : {},
      query: "",
      headers: { ...headers },
      // A brand-new device: were the credential accepted, the database check would see it.
      body: r.method === "POST" ? JSON.stringify({ device_id: "fz-new-device" }) : undefined,
      expect: [401],
    })),
  );
}

/** The other tenant's ids answer like missing ones (404), for reads and writes alike. */
function crossTenantCases(): Case[] {
  const out: Case[] = [];
  for (const r of ROUTES.filter((x) => x.path.startsWith("/customer/") && x.paramNames.length)) {
    for (const [actor, own] of [
      ["admin", "B"],
      ["other", "A"],
    ] as const) {
      const params: Record<string, string> = {};
      for (const p of r.paramNames) {
        if (p === "id")
          params.id = String(
            r.path.includes("campaigns")
              ? own === "B"
                ? ids.campaignB
                : ids.doneCampaign
              : own === "B"
                ? ids.fwB
                : ids.fwUrl,
          );
        else if (p === "group_id") params.group_id = own === "B" ? B_GROUP : A_GROUP;
        else params.device_id = own === "B" ? B_DEVICE : A_DEVICES[0]!;
      }
      const body = r.name.endsWith("/members")
        ? JSON.stringify({ device_ids: [own === "B" ? B_DEVICE : A_DEVICES[0]] })
        : undefined;
      out.push({
        route: r,
        actor,
        params,
        query: "",
        headers: body ? { "content-type": "application/json" } : {},
        body,
        expect: [404],
      });
    }
  }
  return out;
}

/** The arranged data refuses every change: the guards that make the random cases safe. */
function guardedCases(): Case[] {
  const admin = (name: string, params: Record<string, string>, expectStatus: number, body?: string): Case => ({
    route: route(name),
    actor: "admin",
    params,
    query: "",
    headers: body ? { "content-type": "application/json" } : {},
    body,
    expect: [expectStatus],
  });
  return [
    ...A_DEVICES.map((d) => admin("DELETE /customer/devices/[device_id]", { device_id: d }, 409)),
    admin("DELETE /customer/device-groups/[group_id]", { group_id: A_GROUP }, 409),
    admin("DELETE /customer/firmware/[id]", { id: String(ids.fwStored) }, 409),
    admin("DELETE /customer/firmware/[id]", { id: String(ids.fwUrl) }, 409),
    admin("POST /customer/ota/campaigns/[id]/start", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/pause", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/abort", { id: String(ids.doneCampaign) }, 400),
    admin("POST /customer/ota/campaigns/[id]/pause", { id: String(ids.guardCampaign) }, 400),
    admin(
      "DELETE /customer/device-groups/[group_id]/members/[device_id]",
      { group_id: A_GROUP, device_id: "fz-missing" },
      404,
    ),
    admin("POST /customer/devices", {}, 409, JSON.stringify({ device_id: A_DEVICES[0] })),
    admin("POST /customer/device-groups", {}, 409, JSON.stringify({ group_id: A_GROUP, name: "x" })),
    admin(
      "POST /customer/firmware",
      {},
      409,
      JSON.stringify({ version: "1.0.0", device_type: "sensor", file_url: "https://example.test/x.bin" }),
    ),
    admin(
      "POST /customer/ota/campaigns",
      {},
      400,
      JSON.stringify({ name: "x", firmware_version_id: ids.fwStored, target_group_id: A_GROUP }),
    ),
    admin(
      "POST /customer/ota/campaigns",
      {},
      404,
      JSON.stringify({ name: "x", firmware_version_id: ids.fwB, target_group_id: A_GROUP }),
    ),
    admin(
      "POST /customer/device-groups/[group_id]/members",
      { group_id: A_GROUP },
      404,
      JSON.stringify({ device_ids: ["fz-missing"] }),
    ),
    { ...admin("DELETE /customer/devices/[device_id]", { device_id: A_DEVICES[0]! }, 403), actor: "viewer" },
    { ...admin("POST /customer/ota/campaigns/[id]/abort", { id: String(ids.guardCampaign) }, 403), actor: "viewer" },
  ];
}

/**
 * A still-valid token of a deleted tenant (tokens are stateless and live 12 hours): reads
 * may answer (empty) 2xx, but writes must be refused with a 4xx.
 */
function staleTokenCases(): Case[] {
  const post = (name: string, body: unknown): Case => ({
    route: route(name),
    actor: "junk",
    note: "token of a deleted tenant",
    params: {},
    query: "",
    headers: { ...staleAuth, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return [
    { ...post("GET /customer/devices", {}), body: undefined, headers: { ...staleAuth } },
    post("POST /customer/devices", { device_id: "fz-stale-device" }),
    post("POST /customer/device-groups", { group_id: "fz-stale-group", name: "stale" }),
    post("POST /customer/firmware", { version: "9.9.9", file_url: "https://example.test/stale.bin" }),
  ];
}

describeFuzz("API fuzz, credentials and ids: a 4xx, never a 500, and nothing changed", () => {
  it("junk credentials (headers and cookies) answer 401", async () => {
    await runCases(authCases());
  });

  it("the other tenant's ids answer 404", async () => {
    await runCases(crossTenantCases());
  });

  it("the arranged data refuses every change (409, 400, 404, 403)", async () => {
    await runCases(guardedCases());
  });

  it("a token of a deleted tenant cannot write (4xx)", async () => {
    await runCases(staleTokenCases());
  });
});
