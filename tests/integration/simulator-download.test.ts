import { createHash } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/lib/embedded/ports";
import { demoBinary } from "@/lib/demo/binary";
import { DownloadError, downloadFirmware } from "@/lib/simulator/download";

/**
 * The simulator's download against servers that misbehave in ways the production
 * route does not: one that ignores Range (answers 200 to a resume), one that fails
 * with 5xx before it works. (The production route is covered in simulator.test.ts.)
 */
const content = demoBinary("simulator-download", 600_000);
const sha256 = createHash("sha256").update(content).digest("hex");
let origin: string;
let server: http.Server;
const seen: { path: string; range: string | undefined }[] = [];
let flaky = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url!, range: req.headers.range });
    if (req.url === "/flaky" && flaky++ < 2) return res.writeHead(503).end();
    if (req.url === "/gone") return res.writeHead(404).end();
    // Ignores Range and If-Range: always the whole file.
    res.writeHead(200, { "Content-Length": content.length, ETag: `"${sha256}"` });
    res.end(content);
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  origin = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("simulator download", () => {
  it("starts over, hash included, when the server answers a resume with 200", async () => {
    seen.length = 0;
    const progress: number[] = [];
    const res = await downloadFirmware(`${origin}/whole`, {
      size: content.length,
      interruptAt: 0.5,
      retryDelayMs: 1,
      onProgress: (received) => progress.push(received),
    });
    expect(res).toEqual({ sha256, bytes: content.length, resumes: 0 });
    expect(seen.map((s) => s.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    // The second attempt counted from zero again.
    expect(progress.findIndex((p, i) => i > 0 && p < progress[i - 1]!)).toBeGreaterThan(0);
  });

  it("retries a 5xx, and gives up at once on a 4xx", async () => {
    await expect(downloadFirmware(`${origin}/flaky`, { size: null, retryDelayMs: 1 })).resolves.toMatchObject({
      sha256,
    });
    await expect(downloadFirmware(`${origin}/gone`, { size: null, retryDelayMs: 1 })).rejects.toThrow(
      new DownloadError("HTTP 404"),
    );
  });

  it("stops at once when its signal aborts", async () => {
    const abort = new AbortController();
    abort.abort(new Error("powered off"));
    await expect(downloadFirmware(`${origin}/whole`, { size: null, signal: abort.signal })).rejects.toThrow(
      "powered off",
    );
  });
});
