/**
 * The device-download figure's clients, in a process of their own (the servers never share
 * its event loop). On each `run` command it opens `clients` connections at once, one GET of
 * `url` on each (a fresh connection per download, as a device makes), and reports the bytes
 * moved from the first request to the last byte. Every download is checked: status 200,
 * Content-Length on the wire equal to the file's size, and exactly that many body bytes; one
 * download in every `hashEvery` is also hashed and compared with the file's sha256, so that
 * a figure cannot come from short, empty or wrong bodies.
 */
import { createHash, type Hash } from "node:crypto";
import http from "node:http";
import { emit, onParentMessage } from "../children";
import { latency } from "../stats";

export interface DownloaderJob {
  size: number;
  sha256: string;
  hashEvery: number;
}

export interface DownloaderResult {
  label: string;
  clients: number;
  ok: number;
  failed: number;
  /** Body bytes of the downloads that passed every check. */
  bytes: number;
  /** Downloads hashed and found equal to the file. */
  hashed: number;
  /** First request issued to last byte received. */
  ms: number;
  perDownload: ReturnType<typeof latency>;
  firstByte: ReturnType<typeof latency>;
  errors: string[];
}

const job = JSON.parse(process.env.BENCH_DOWNLOAD!) as DownloaderJob;
const TIMEOUT_MS = 120_000;

interface One {
  ok: boolean;
  bytes: number;
  hashed: boolean;
  startedAt: number;
  firstByteAt: number;
  endedAt: number;
  error?: string;
}

function download(url: string, hash: Hash | null): Promise<One> {
  const startedAt = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const one: One = { ok: false, bytes: 0, hashed: false, startedAt, firstByteAt: NaN, endedAt: NaN };
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      one.endedAt = performance.now();
      one.error = error;
      one.ok = !error;
      resolve(one);
    };
    const req = http.get(url, { agent: false }, (res) => {
      one.firstByteAt = performance.now();
      const length = res.headers["content-length"];
      if (res.statusCode !== 200 || length !== String(job.size)) {
        res.resume();
        return finish(`HTTP ${res.statusCode}, Content-Length ${length ?? "absent"} (expected 200, ${job.size})`);
      }
      res.on("data", (chunk: Buffer) => {
        one.bytes += chunk.length;
        hash?.update(chunk);
      });
      res.on("end", () => {
        if (one.bytes !== job.size) return finish(`${one.bytes} body bytes, expected ${job.size}`);
        if (hash) {
          const got = hash.digest("hex");
          if (got !== job.sha256) return finish(`sha256 ${got}, expected ${job.sha256}`);
          one.hashed = true;
        }
        finish();
      });
      res.on("aborted", () => finish(`connection closed after ${one.bytes} bytes`));
      res.on("error", (err) => finish(err.message));
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error(`no progress for ${TIMEOUT_MS} ms`)));
    req.on("error", (err) => finish(err.message));
  });
}

async function run(label: string, url: string, clients: number): Promise<DownloaderResult> {
  const all = await Promise.all(
    Array.from({ length: clients }, (_, i) => download(url, i % job.hashEvery === 0 ? createHash("sha256") : null)),
  );
  const ok = all.filter((d) => d.ok);
  const t0 = Math.min(...all.map((d) => d.startedAt));
  const t1 = Math.max(...all.map((d) => d.endedAt));
  return {
    label,
    clients,
    ok: ok.length,
    failed: all.length - ok.length,
    bytes: ok.reduce((a, d) => a + d.bytes, 0),
    hashed: ok.filter((d) => d.hashed).length,
    ms: t1 - t0,
    perDownload: latency(ok.map((d) => d.endedAt - d.startedAt)),
    firstByte: latency(ok.map((d) => d.firstByteAt - d.startedAt)),
    errors: [...new Set(all.flatMap((d) => (d.error ? [d.error] : [])))].slice(0, 10),
  };
}

// One run at a time: the parent waits for each result before it sends the next command.
onParentMessage((msg) => {
  if (msg.cmd !== "run") return;
  void run(String(msg.label), String(msg.url), Number(msg.clients)).then((result) => emit({ type: "result", result }));
});
emit({ type: "ready" });
process.on("SIGTERM", () => process.exit(0));
