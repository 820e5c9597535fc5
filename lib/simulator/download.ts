import { createHash, type Hash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A device's firmware download: streamed through SHA-256 as the bytes arrive (a
 * device has no room to keep the image twice), resumed after a broken connection with
 * `Range: bytes=N-` and `If-Range: <ETag>`, so that only the missing part travels
 * again. A server that answers a resume with 200 sends the whole (possibly changed)
 * file: the hash starts over with it.
 */
export interface DownloadOptions {
  /** Size announced by the command, when known; otherwise Content-Length is used for progress. */
  size: number | null;
  /** Cancels the download (the device is stopping): rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after every chunk with the bytes received so far of the current file. */
  onProgress?: (received: number, total: number | null) => void;
  /** Drop the connection once, when this fraction (0–1) of the file has arrived (fault injection). */
  interruptAt?: number | null;
  /** Attempts after a broken connection or a 5xx before giving up. */
  maxAttempts?: number;
  /** Pause before attempt n is n × this. */
  retryDelayMs?: number;
  /** An attempt that receives nothing for this long is dropped and resumed. */
  stallTimeoutMs?: number;
  userAgent?: string;
  log?: (line: string) => void;
}

export interface DownloadResult {
  sha256: string;
  bytes: number;
  /** How many times the download resumed with a Range request. */
  resumes: number;
}

/** A download that cannot succeed; `message` is what the device reports after "Download failed: ". */
export class DownloadError extends Error {}

class Interrupted extends Error {}

export async function downloadFirmware(url: string, opts: DownloadOptions): Promise<DownloadResult> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const log = opts.log ?? (() => {});
  let hash: Hash = createHash("sha256");
  let received = 0;
  let total = opts.size;
  let etag: string | null = null;
  let resumes = 0;
  let interruptAt = opts.interruptAt ?? null;
  let lastError = "no attempt made";

  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    opts.signal?.throwIfAborted();
    if (attempt > 1) await sleep((opts.retryDelayMs ?? 200) * (attempt - 1), undefined, { signal: opts.signal });
    // Resume only when the server can tell us the file is still the same one.
    const resuming = received > 0 && etag !== null;
    if (received > 0 && !resuming) {
      hash = createHash("sha256");
      received = 0;
    }
    const attemptAbort = new AbortController();
    const signal = opts.signal ? AbortSignal.any([opts.signal, attemptAbort.signal]) : attemptAbort.signal;
    const headers: Record<string, string> = { "User-Agent": opts.userAgent ?? "flotilla-simulator" };
    if (resuming) {
      headers.Range = `bytes=${received}-`;
      headers["If-Range"] = etag!;
    }
    let stall: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(() => attemptAbort.abort(new Error("no data received")), opts.stallTimeoutMs ?? 30_000);
    };
    try {
      armStall();
      const res = await fetch(url, { headers, signal, redirect: "follow" });
      if (res.status === 416) {
        // Our offset is past the end: the file changed under us. Start over.
        await res.body?.cancel();
        hash = createHash("sha256");
        received = 0;
        etag = null;
        lastError = "HTTP 416";
        continue;
      }
      if (res.status >= 400 && res.status < 500) {
        await res.body?.cancel();
        throw new DownloadError(`HTTP ${res.status}`);
      }
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        lastError = `HTTP ${res.status}`;
        log(`download: ${lastError}, retrying`);
        continue;
      }
      if (res.status === 206) {
        const start = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "")?.[1];
        if (!resuming || Number(start) !== received) {
          // A slice we did not ask for: ignore it and fetch the whole file.
          await res.body?.cancel();
          hash = createHash("sha256");
          received = 0;
          etag = null;
          lastError = "unexpected partial content";
          continue;
        }
        resumes++;
      } else if (received > 0) {
        log("download: server sent the whole file instead of the rest; starting over");
        hash = createHash("sha256");
        received = 0;
      }
      etag = res.headers.get("etag") ?? (res.status === 206 ? etag : null);
      const length = Number(res.headers.get("content-length") ?? NaN);
      if (total === null && res.status === 200 && Number.isFinite(length)) total = length;
      const reader = res.body?.getReader();
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        armStall();
        hash.update(chunk.value);
        received += chunk.value.length;
        opts.onProgress?.(received, total);
        if (interruptAt !== null && total !== null && received < total && received >= total * interruptAt) {
          interruptAt = null;
          throw new Interrupted(`connection dropped at ${received} of ${total} bytes (simulated)`);
        }
      }
      return { sha256: hash.digest("hex"), bytes: received, resumes };
    } catch (err) {
      clearTimeout(stall);
      // Tear the connection down so that the server sees the interruption too.
      attemptAbort.abort(err);
      if (opts.signal?.aborted) throw opts.signal.reason;
      if (err instanceof DownloadError) throw err;
      lastError = describe(err);
      log(`download: ${lastError}; ${attempt < maxAttempts ? "resuming" : "giving up"}`);
    } finally {
      clearTimeout(stall);
    }
  }
  throw new DownloadError(lastError);
}

/** A network error in a few words: undici hides the useful part ("ECONNREFUSED") in `cause`. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (cause?.code) return `${err.message} (${cause.code})`;
  if (cause?.message) return `${err.message} (${cause.message})`;
  return err.message;
}
