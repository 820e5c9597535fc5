import { createHash } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as firmware from "@/app/customer/firmware/route";
import * as one from "@/app/customer/firmware/[id]/route";
import { GET as downloadUrl } from "@/app/customer/firmware/[id]/download-url/route";
import { GET as download } from "@/app/firmware/[id]/download/route";
import { firmwareDir } from "@/lib/config";
import { deviceGroups, otaCampaigns } from "@/lib/db/schema";
import { errorResponse } from "@/lib/http/respond";
import { receiveFirmwareUpload } from "@/lib/http/upload";
import { authAs, call } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
let a: TestTenant;
let b: TestTenant;
beforeAll(async () => {
  a = await createTestTenant(handle, "fw-a");
  b = await createTestTenant(handle, "fw-b");
});
afterAll(() => handle.close());

const binary = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 131 + 7) % 256));
const sha256 = createHash("sha256").update(binary).digest("hex");
const files = () =>
  fs
    .readdirSync(firmwareDir())
    .filter((f) => f.endsWith(".bin"))
    .sort();

function uploadForm(metadata: unknown, file: Buffer | null = binary) {
  const form = new FormData();
  form.set("metadata", typeof metadata === "string" ? metadata : JSON.stringify(metadata));
  if (file) form.set("file", new Blob([new Uint8Array(file)]), "fw.bin");
  return form;
}

describe("POST /customer/firmware (JSON, by URL)", () => {
  it("registers firmware and answers 409 on a duplicate version and type, two without a type included", async () => {
    const body = {
      version: "1.0.0",
      file_url: "https://cdn.example/fw.bin",
      checksum_sha256: "AB".repeat(32),
      device_type: "sensor",
    };
    const res = await call(firmware.POST, { headers: await authAs(a, "operator"), body });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      version: "1.0.0",
      file_url: body.file_url,
      checksum_sha256: "ab".repeat(32),
      device_type: "sensor",
      created_by: a.users.operator.email,
    });
    expect((await call(firmware.POST, { headers: await authAs(a), body })).body).toEqual({
      detail: "Firmware version already exists for this device type",
      code: "conflict",
    });
    const untyped = { version: "1.0.0", file_url: "https://cdn.example/any.bin" };
    expect((await call(firmware.POST, { headers: await authAs(a), body: untyped })).status).toBe(201);
    expect((await call(firmware.POST, { headers: await authAs(a), body: untyped })).status).toBe(409);
    // Another tenant may use the same version.
    expect((await call(firmware.POST, { headers: await authAs(b), body })).status).toBe(201);
  });

  it("validates fields (422 at the field) and roles (403 for viewers)", async () => {
    const res = await call(firmware.POST, {
      headers: await authAs(a),
      body: { version: "", file_url: "not a url", checksum_sha256: "xyz" },
    });
    expect(res.status).toBe(422);
    expect(res.body.detail.map((d: { loc: string[] }) => d.loc.join("."))).toEqual(
      expect.arrayContaining(["body.version", "body.file_url", "body.checksum_sha256"]),
    );
    expect(
      (
        await call(firmware.POST, {
          headers: await authAs(a, "viewer"),
          body: { version: "9", file_url: "https://x/y" },
        })
      ).status,
    ).toBe(403);
  });
});

describe("uploads (multipart/form-data)", () => {
  it("stores the file, reports its own checksum and size, and serves it back in two ranged parts through a signed URL", async () => {
    const res = await call(firmware.POST, {
      headers: await authAs(a, "operator"),
      body: uploadForm({ version: "5.0.0", device_type: "sensor", description: "upload" }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      version: "5.0.0",
      checksum_sha256: sha256,
      file_size_bytes: 300_000,
      file_url: `/firmware/${res.body.id}/download`,
    });

    const link = await call(downloadUrl, { headers: await authAs(a, "viewer"), params: { id: String(res.body.id) } });
    expect(link.status).toBe(200);
    const fetchPart = async (url: string, range?: string) => {
      const r = await download(new Request(new URL(url), { headers: range ? { Range: range } : {} }), {
        params: Promise.resolve({ id: String(res.body.id) }),
      });
      return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()) };
    };
    const first = await fetchPart(link.body.url, "bytes=0-99999");
    const second = await fetchPart(link.body.url, "bytes=100000-");
    expect([first.status, second.status]).toEqual([206, 206]);
    expect(
      createHash("sha256")
        .update(Buffer.concat([first.bytes, second.bytes]))
        .digest("hex"),
    ).toBe(res.body.checksum_sha256);
    const unsigned = await fetchPart(link.body.url.replace(/\?.*$/, ""));
    expect(unsigned.status).toBe(403);
  });

  it("refuses a declared checksum or size that the bytes do not match, and keeps nothing", async () => {
    const before = files();
    for (const [meta, field] of [
      [{ version: "6.0.0", checksum_sha256: "0".repeat(64) }, "checksum_sha256"],
      [{ version: "6.0.1", file_size_bytes: 12 }, "file_size_bytes"],
    ] as const) {
      const res = await call(firmware.POST, { headers: await authAs(a), body: uploadForm(meta) });
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(["body", "metadata", field]);
    }
    const matching = await call(firmware.POST, {
      headers: await authAs(a),
      body: uploadForm({ version: "6.0.2", checksum_sha256: sha256, file_size_bytes: 300_000 }),
    });
    expect(matching.status).toBe(201);
    expect(files()).toHaveLength(before.length + 1);
  });

  it("answers 422 for missing parts or bad metadata, 409 for a duplicate, and leaves no file behind", async () => {
    const before = files();
    const cases: [FormData, string[]][] = [
      [uploadForm({ version: "7.0.0" }, null), ["body", "file"]],
      [uploadForm("{not json"), ["body", "metadata"]],
      [uploadForm({ version: "7.0.0", file_url: "https://x" }), ["body", "metadata"]],
      [uploadForm({ description: "no version" }), ["body", "metadata", "version"]],
    ];
    for (const [form, loc] of cases) {
      const res = await call(firmware.POST, { headers: await authAs(a), body: form });
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(loc);
    }
    const meta = { version: "7.1.0" };
    expect((await call(firmware.POST, { headers: await authAs(a), body: uploadForm(meta) })).status).toBe(201);
    const dup = await call(firmware.POST, { headers: await authAs(a), body: uploadForm(meta) });
    expect(dup.status).toBe(409);
    expect(files()).toHaveLength(before.length + 1);
  });

  it("stops at the upload limit with 413 and removes the partial file", async () => {
    const before = files();
    const form = uploadForm({ version: "8.0.0" });
    const req = new Request("http://x/y", { method: "POST", body: form });
    // Transport code throws a domain error; lib/http/respond.ts maps it to the status.
    const tooLarge = await receiveFirmwareUpload(req, firmwareDir(), 100_000).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(errorResponse(tooLarge).status).toBe(413);
    const exact = new Request("http://x/y", { method: "POST", body: uploadForm({ version: "8.0.1" }) });
    const ok = await receiveFirmwareUpload(exact, firmwareDir(), 300_000);
    expect(ok.stored.sizeBytes).toBe(300_000);
    expect(files()).toEqual([...before, ok.stored.key].sort());
  });
});

describe("GET and DELETE /customer/firmware/{id}", () => {
  it("reads one firmware, hides other tenants' (404 like a missing id), and validates the id", async () => {
    const created = await call(firmware.POST, {
      headers: await authAs(a),
      body: { version: "10.0.0", file_url: "https://x/10" },
    });
    const id = String(created.body.id);
    expect(await call(one.GET, { headers: await authAs(a, "viewer"), params: { id } })).toMatchObject({
      status: 200,
      body: { id: created.body.id, version: "10.0.0" },
    });
    const other = await call(one.GET, { headers: await authAs(b), params: { id } });
    const missing = await call(one.GET, { headers: await authAs(b), params: { id: "2000000000" } });
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    expect((await call(one.DELETE, { headers: await authAs(b), params: { id }, method: "DELETE" })).status).toBe(404);
    expect((await call(one.GET, { headers: await authAs(a), params: { id: "x1" } })).status).toBe(422);
    expect((await call(downloadUrl, { headers: await authAs(a), params: { id } })).status).toBe(400);
  });

  it("deletes firmware and its stored file, but not while a campaign refers to it", async () => {
    const up = await call(firmware.POST, { headers: await authAs(a), body: uploadForm({ version: "11.0.0" }) });
    const id = String(up.body.id);
    await handle.db.insert(deviceGroups).values({ tenantId: a.tenantId, groupId: "g11", name: "g" });
    const [c] = await handle.db
      .insert(otaCampaigns)
      .values({ tenantId: a.tenantId, name: "uses it", firmwareVersionId: up.body.id, targetGroupId: "g11" })
      .returning();
    const blocked = await call(one.DELETE, { headers: await authAs(a), params: { id }, method: "DELETE" });
    expect(blocked).toMatchObject({
      status: 409,
      body: { detail: `Firmware is used by campaign ${c!.id}`, code: "conflict" },
    });
    expect(
      (await call(one.DELETE, { headers: await authAs(a, "viewer"), params: { id }, method: "DELETE" })).status,
    ).toBe(403);

    await handle.sql`DELETE FROM ota_campaigns WHERE id = ${c!.id}`;
    const before = files();
    expect(
      (await call(one.DELETE, { headers: await authAs(a, "operator"), params: { id }, method: "DELETE" })).status,
    ).toBe(204);
    expect(files()).toHaveLength(before.length - 1);
    expect((await call(one.GET, { headers: await authAs(a), params: { id } })).status).toBe(404);
  });
});
