import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { PayloadTooLarge } from "@/lib/errors";

/**
 * Firmware binaries on disk under FIRMWARE_DIR, addressed by a storage key that
 * the firmware row keeps. Uploads stream through a hash and a byte counter into a
 * temporary file and are renamed into place only when complete, so a reader never
 * sees half a file and no whole file is ever held in memory. Several web processes
 * share the directory (a shared volume in production).
 */
export interface Stored {
  key: string;
  sizeBytes: number;
  sha256: string;
}

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.bin$/;

/** The file of a key; refuses anything that is not a key we made (no path tricks). */
export function storedPath(dir: string, key: string): string {
  if (!KEY.test(key)) throw new Error(`not a storage key: ${key}`);
  return path.join(dir, key);
}

export async function storeStream(
  dir: string,
  source: ReadableStream<Uint8Array> | Readable,
  maxBytes: number,
): Promise<Stored> {
  await fs.promises.mkdir(path.join(dir, "tmp"), { recursive: true });
  const key = `${randomUUID()}.bin`;
  const tmp = path.join(dir, "tmp", key);
  const hash = createHash("sha256");
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new PayloadTooLarge(maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const input = source instanceof Readable ? source : Readable.fromWeb(source as never);
  const out = fs.createWriteStream(tmp, { flags: "wx" });
  try {
    await pipeline(input, meter, out);
    await fs.promises.rename(tmp, storedPath(dir, key));
  } catch (err) {
    // pipeline destroys the file stream, which may still be opening its file (an upload cut
    // off at once): wait until it is closed, or the open lands after the rm and leaves an
    // empty file in tmp/ (the multipart fuzz caught one).
    if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  return { key, sizeBytes: size, sha256: hash.digest("hex") };
}

export function storeBuffer(dir: string, data: Buffer, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Stored> {
  return storeStream(dir, Readable.from([data]), maxBytes);
}

export async function removeStored(dir: string, key: string): Promise<void> {
  await fs.promises.rm(storedPath(dir, key), { force: true });
}
