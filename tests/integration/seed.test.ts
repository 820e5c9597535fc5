import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import { firmwareDir } from "@/lib/config";
import { seedDemo } from "@/lib/demo/seed";
import { storedPath } from "@/lib/ota/storage";
import { testDb } from "../support/db";

const handle = testDb();
const DEMO = ["acme", "globex"];

/** Everything the demo seed owns, as rows, in a stable order. */
async function snapshot() {
  const q = handle.sql;
  return {
    tenants: await q`SELECT * FROM tenants WHERE tenant_id IN ${q(DEMO)} ORDER BY tenant_id`,
    users:
      await q`SELECT id, tenant_id, email, role, password_hash FROM users WHERE tenant_id IN ${q(DEMO)} ORDER BY email`,
    devices: await q`SELECT * FROM devices WHERE tenant_id IN ${q(DEMO)} ORDER BY tenant_id, device_id`,
    groups: await q`SELECT * FROM device_groups WHERE tenant_id IN ${q(DEMO)} ORDER BY tenant_id, group_id`,
    members: await q`SELECT * FROM device_group_members WHERE tenant_id IN ${q(DEMO)} ORDER BY 1, 2, 3`,
    firmware: await q`SELECT * FROM firmware_versions WHERE tenant_id IN ${q(DEMO)} ORDER BY id`,
    campaigns: await q`SELECT * FROM ota_campaigns WHERE tenant_id IN ${q(DEMO)} ORDER BY id`,
    statuses: await q`SELECT * FROM ota_device_status WHERE tenant_id IN ${q(DEMO)} ORDER BY id`,
    signingKeys: await q`SELECT * FROM tenant_signing_keys WHERE tenant_id IN ${q(DEMO)} ORDER BY tenant_id, kid`,
  };
}

const seed = () => seedDemo(handle.db, { firmwareDir: firmwareDir(), authSecret: process.env.AUTH_SECRET! });

beforeAll(async () => {
  await seed();
});
afterAll(() => handle.close());

describe("the demo seed", () => {
  it("writes the demo's tenants, users, fleet and groups (lib/demo/data.ts)", async () => {
    const s = await snapshot();
    expect(s.tenants.map((t) => [t.tenant_id, t.name])).toEqual([
      ["acme", "Acme Corp"],
      ["globex", "Globex"],
    ]);
    expect(s.users.map((u) => [u.email, u.role])).toEqual([
      ["admin@acme.example", "admin"],
      ["admin@globex.example", "admin"],
      ["viewer@acme.example", "viewer"],
    ]);
    for (const t of DEMO) {
      const fleet = s.devices.filter((d) => d.tenant_id === t);
      expect(fleet.map((d) => d.device_id)).toEqual(
        Array.from({ length: 15 }, (_, i) => `${t}-sensor-${String(i + 1).padStart(3, "0")}`),
      );
      expect(fleet.every((d) => d.device_type === "sensor")).toBe(true);
      expect(fleet.map((d) => d.fw_version)).toEqual(["1.0.0", ...Array(14).fill("1.1.0")]);
      const members = (g: string) =>
        s.members.filter((m) => m.tenant_id === t && m.group_id === g).map((m) => m.device_id.slice(-3));
      expect(members("all")).toHaveLength(15);
      expect(members("building-a")).toEqual(["001", "002", "003", "004", "005", "006", "007", "008"]);
      expect(members("canary")).toEqual(["014", "015"]);
    }
  });

  it("stores real firmware binaries whose SHA-256 matches the registry and the bytes served", async () => {
    const s = await snapshot();
    const acme = s.firmware.filter((f) => f.tenant_id === "acme");
    expect(acme.map((f) => [f.version, Number(f.file_size_bytes)])).toEqual([
      ["1.0.0", 524288],
      ["1.1.0", 589824],
      ["1.2.0", 655360],
    ]);
    for (const f of s.firmware) {
      expect(f.checksum_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.checksum_sha256).not.toBe("a".repeat(64));
      expect(f.file_url).toBe(`/firmware/${f.id}/download`);
      const file = fs.readFileSync(storedPath(firmwareDir(), f.storage_key));
      expect(file.length).toBe(Number(f.file_size_bytes));
      expect(createHash("sha256").update(file).digest("hex")).toBe(f.checksum_sha256);
    }
    // Deterministic: the same version has the same bytes in both tenants.
    const globex = s.firmware.filter((f) => f.tenant_id === "globex");
    expect(globex.map((f) => f.checksum_sha256)).toEqual(acme.map((f) => f.checksum_sha256));
  });

  it("writes one completed campaign per tenant: 14 succeeded, 001 failed with a checksum mismatch", async () => {
    const s = await snapshot();
    for (const t of DEMO) {
      const [c, ...rest] = s.campaigns.filter((x) => x.tenant_id === t);
      expect(rest).toEqual([]);
      expect(c).toMatchObject({
        name: "Fleet Update to v1.1.0",
        status: "COMPLETED",
        target_group_id: "all",
        total_devices: 15,
        succeeded: 14,
        failed: 1,
      });
      const rows = s.statuses.filter((r) => r.campaign_id === c!.id);
      expect(rows.filter((r) => r.status === "SUCCESS")).toHaveLength(14);
      expect(rows.filter((r) => r.status === "FAILED").map((r) => [r.device_id, r.error_message])).toEqual([
        [`${t}-sensor-001`, "Checksum mismatch after download"],
      ]);
    }
  });

  it("gives each demo tenant its command-signing key, and its devices no credentials (whoever runs them issues their own)", async () => {
    const s = await snapshot();
    expect(s.signingKeys.map((k) => [k.tenant_id, k.retired_at])).toEqual([
      ["acme", null],
      ["globex", null],
    ]);
    expect(s.signingKeys.every((k) => String(k.private_key_enc).startsWith("v1."))).toBe(true);
    expect(s.devices.filter((d) => d.mqtt_secret_hash !== null)).toEqual([]);
  });

  it("changes nothing when run again, and leaves no stray files", async () => {
    const before = await snapshot();
    const filesBefore = fs.readdirSync(firmwareDir()).sort();
    await seed();
    expect(await snapshot()).toEqual(before);
    expect(fs.readdirSync(firmwareDir()).sort()).toEqual(filesBefore);
  });
});
