import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as downloadUrl } from "@/app/customer/firmware/[id]/download-url/route";
import { GET as download, HEAD as head } from "@/app/firmware/[id]/download/route";
import { firmwareDir, requireAuthSecret } from "@/lib/config";
import { firmwareVersions } from "@/lib/db/schema";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { storeBuffer } from "@/lib/ota/storage";
import { authAs } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";

const handle = testDb();
let a: TestTenant;
let b: TestTenant;
let fwId: number;
const content = Buffer.from(Array.from({ length: 250_000 }, (_, i) => (i * 7919) % 256));
const sha256 = createHash("sha256").update(content).digest("hex");
const ctx = (id: number | string) => ({ params: Promise.resolve({ id: String(id) }) });

/** The path and query of a URL, requested against the handler. */
const fetchPath = (url: string, headers: Record<string, string> = {}, id = fwId) =>
  download(new Request(new URL(url, "http://device.test"), { headers }), ctx(id));

beforeAll(async () => {
  a = await createTestTenant(handle, "dl-a");
  b = await createTestTenant(handle, "dl-b");
  const stored = await storeBuffer(firmwareDir(), content);
  const [fw] = await handle.db
    .insert(firmwareVersions)
    .values({
      tenantId: a.tenantId,
      version: "4.0.0",
      fileUrl: "/firmware/0/download",
      fileSizeBytes: stored.sizeBytes,
      checksumSha256: stored.sha256,
      storageKey: stored.key,
    })
    .returning();
  fwId = fw!.id;
});
afterAll(() => handle.close());

describe("signed firmware downloads", () => {
  it("mints an operator link that downloads in two ranged parts to the right SHA-256", async () => {
    const res = await downloadUrl(new Request("http://test/x", { headers: await authAs(a, "viewer") }), ctx(fwId));
    expect(res.status).toBe(200);
    const { url, expires_at } = await res.json();
    expect(url).toMatch(new RegExp(`/firmware/${fwId}/download\\?exp=\\d+&sig=[\\w-]+$`));
    expect(Date.parse(expires_at)).toBeGreaterThan(Date.now());

    const first = await fetchPath(url, { Range: "bytes=0-99999" });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe("bytes 0-99999/250000");
    expect(first.headers.get("content-length")).toBe("100000");
    expect(first.headers.get("accept-ranges")).toBe("bytes");
    expect(first.headers.get("etag")).toBe(`"${sha256}"`);
    const rest = await fetchPath(url, { Range: "bytes=100000-" });
    expect(rest.status).toBe(206);
    const whole = Buffer.concat([Buffer.from(await first.arrayBuffer()), Buffer.from(await rest.arrayBuffer())]);
    expect(createHash("sha256").update(whole).digest("hex")).toBe(sha256);

    const full = await fetchPath(url);
    expect(full.status).toBe(200);
    expect(full.headers.get("content-length")).toBe("250000");
    expect(Buffer.from(await full.arrayBuffer()).equals(content)).toBe(true);
  });

  it("answers 403 without a signature, with a wrong one, when expired, or for another firmware", async () => {
    const secret = requireAuthSecret();
    const good = signDownloadUrl(fwId, new Date(Date.now() + 60_000), secret);
    const cases = [
      `/firmware/${fwId}/download`,
      good.replace(/&sig=.*/, ""),
      good.replace(/sig=./, "sig=A"),
      signDownloadUrl(fwId, new Date(Date.now() - 1000), secret),
      signDownloadUrl(fwId, new Date(Date.now() + 60_000), "another-secret-that-is-long-enough-1234"),
    ];
    for (const url of cases) {
      const res = await fetchPath(url);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
      expect((await res.json()).code).toBe("forbidden");
    }
    // A link for one firmware does not open another.
    expect((await fetchPath(good, {}, fwId + 1)).status).toBe(403);
  });

  it("answers HEAD with the size, 416 past the end, and 422 for a bad id", async () => {
    const url = signDownloadUrl(fwId, new Date(Date.now() + 60_000), requireAuthSecret());
    const h = await head(new Request(new URL(url, "http://d.test"), { method: "HEAD" }), ctx(fwId));
    expect(h.status).toBe(200);
    expect(h.headers.get("content-length")).toBe("250000");
    expect(h.body).toBeNull();
    expect((await fetchPath(url, { Range: "bytes=250000-" })).status).toBe(416);
    expect((await fetchPath(url, {}, "abc" as unknown as number)).status).toBe(422);
  });

  it("resumes only while the file is unchanged (If-Range)", async () => {
    const url = signDownloadUrl(fwId, new Date(Date.now() + 60_000), requireAuthSecret());
    expect((await fetchPath(url, { Range: "bytes=10-", "If-Range": `"${sha256}"` })).status).toBe(206);
    expect((await fetchPath(url, { Range: "bytes=10-", "If-Range": '"stale"' })).status).toBe(200);
  });

  it("hides another tenant's firmware from the operator link (404, like a missing id)", async () => {
    const other = await downloadUrl(new Request("http://test/x", { headers: await authAs(b, "viewer") }), ctx(fwId));
    expect(other.status).toBe(404);
    const missing = await downloadUrl(
      new Request("http://test/x", { headers: await authAs(b, "viewer") }),
      ctx(99_999_999),
    );
    expect(missing.status).toBe(404);
    expect(await other.json()).toEqual(await missing.json());
  });
});
