import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as token } from "@/app/auth/token/route";
import * as firmware from "@/app/customer/firmware/route";
import * as campaigns from "@/app/customer/ota/campaigns/route";
import * as devicesOf from "@/app/customer/ota/campaigns/[id]/devices/route";
import * as start from "@/app/customer/ota/campaigns/[id]/start/route";
import { firmwareDir } from "@/lib/config";
import { seedDemo } from "@/lib/demo/seed";
import { call } from "../support/api";
import { testDb } from "../support/db";

/** Requests against the demo data (lib/demo/data.ts), with the demo admin's own token, against the seeded demo data. */
const handle = testDb();
let auth: { Authorization: string };

beforeAll(async () => {
  await seedDemo(handle.db, { firmwareDir: firmwareDir() });
  const res = await call(token, { body: { email: "admin@acme.example", password: "flotilla-demo" } });
  expect(res.status).toBe(200);
  auth = { Authorization: `Bearer ${res.body.access_token}` };
});
afterAll(() => handle.close());

describe("the demo, through the API", () => {
  it("GET /customer/firmware → acme's three versions, total 3", async () => {
    const res = await call(firmware.GET, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.firmware_versions.map((f: { version: string }) => f.version).sort()).toEqual([
      "1.0.0",
      "1.1.0",
      "1.2.0",
    ]);
  });

  it("the completed campaign, its one failed device, and a refused start", async () => {
    const list = await call(campaigns.GET, { headers: auth });
    const fleet = list.body.campaigns.find((c: { name: string }) => c.name === "Fleet Update to v1.1.0");
    expect(fleet).toMatchObject({ status: "COMPLETED", succeeded: 14, failed: 1, total_devices: 15 });
    expect(fleet.status_breakdown).toEqual({
      PENDING: 0,
      DOWNLOADING: 0,
      INSTALLING: 0,
      SUCCESS: 14,
      FAILED: 1,
      SKIPPED: 0,
    });

    const failed = await call(devicesOf.GET, {
      headers: auth,
      params: { id: String(fleet.id) },
      query: { status: "FAILED" },
    });
    expect(failed.body.total).toBe(1);
    expect(failed.body.devices).toHaveLength(1);
    expect(failed.body.devices[0]).toMatchObject({
      device_id: "acme-sensor-001",
      error_message: "Checksum mismatch after download",
    });

    const res = await call(start.POST, { headers: auth, params: { id: String(fleet.id) }, method: "POST" });
    expect(res).toMatchObject({
      status: 400,
      body: { detail: "Cannot start campaign in status COMPLETED", code: "invalid_transition" },
    });
  });
});
