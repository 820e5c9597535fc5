import { Readable } from "node:stream";
import busboy from "busboy";
import { BadRequest, PayloadTooLarge, ValidationFailed } from "@/lib/errors";
import { checkUploadMatches, type ReceivedUpload } from "@/lib/ota/firmware-files";
import { FirmwareUploadMetadata } from "@/lib/ota/schemas";
import { removeStored, storeStream, type Stored } from "@/lib/ota/storage";
import { validated } from "./parse";

// Room for the multipart boundaries and the metadata part on top of the file itself.
const ENVELOPE_BYTES = 1024 * 1024;

/**
 * Receives `multipart/form-data` with a `metadata` part (JSON) and a `file` part,
 * streaming the file straight to storage (lib/ota/storage.ts hashes it on the way).
 * Answers 413 beyond `maxBytes`, 422 for bad metadata or a declared checksum or size that
 * the bytes do not match. On any error the stored file is removed again. The release
 * signature needs the database and is checked when the row is made (createUploadedFirmware,
 * which removes the file again when it is refused).
 */
export async function receiveFirmwareUpload(req: Request, dir: string, maxBytes: number): Promise<ReceivedUpload> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes + ENVELOPE_BYTES) throw new PayloadTooLarge(maxBytes);
  if (!req.body) throw new BadRequest("Request has no body");

  let metadataText: string | undefined;
  let upload: Promise<Stored & { tooLarge: boolean }> | undefined;
  let active: Readable | undefined;
  let broken = false;
  const parsed = new Promise<void>((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { "content-type": req.headers.get("content-type") ?? "" },
        limits: { files: 1, fields: 4, fieldSize: 64 * 1024, parts: 6, fileSize: maxBytes + 1 },
      });
    } catch {
      return reject(new BadRequest("Malformed multipart/form-data body"));
    }
    bb.on("field", (name, value) => {
      if (name === "metadata") metadataText = value;
    });
    bb.on("file", (name, stream) => {
      // Listen for errors at once: a part cut off mid-way must not become an uncaught exception.
      stream.on("error", () => {});
      if (broken || name !== "file" || upload) return void stream.resume();
      active = stream;
      // busboy stops one byte past the limit (and drains the rest), so a stored size over
      // `maxBytes` means too large; a file of exactly `maxBytes` is whole.
      const pending = storeStream(dir, stream, maxBytes + 1).then((s) => ({ ...s, tooLarge: s.sizeBytes > maxBytes }));
      pending.catch(() => stream.resume());
      upload = pending;
    });
    // On a broken body, end the file being stored too: its data may never finish on its
    // own, and storeStream then removes its temporary file.
    const fail = (message: string) => {
      broken = true;
      active?.destroy(new Error(message));
      reject(new BadRequest(message));
    };
    bb.on("close", () => resolve());
    bb.on("error", () => fail("Malformed multipart/form-data body"));
    Readable.fromWeb(req.body as never)
      .on("error", () => fail("Upload was interrupted"))
      .pipe(bb);
  });

  let stored: (Stored & { tooLarge: boolean }) | undefined;
  try {
    await parsed;
    stored = await upload;
    if (stored?.tooLarge) throw new PayloadTooLarge(maxBytes);
    if (!stored)
      throw new ValidationFailed([{ loc: ["body", "file"], msg: "A `file` part is required", type: "missing" }]);
    const meta = validated(["body", "metadata"], metadataJson(metadataText), FirmwareUploadMetadata);
    checkUploadMatches(meta, stored);
    return { meta, stored: { key: stored.key, sizeBytes: stored.sizeBytes, sha256: stored.sha256 } };
  } catch (err) {
    if (!stored) active?.destroy(new Error("upload abandoned"));
    const done = stored ?? (await upload?.catch(() => undefined));
    if (done) await removeStored(dir, done.key);
    throw err;
  }
}

function metadataJson(text: string | undefined): unknown {
  if (text === undefined) {
    throw new ValidationFailed([
      { loc: ["body", "metadata"], msg: "A `metadata` part (JSON) is required", type: "missing" },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationFailed([
      { loc: ["body", "metadata"], msg: "metadata is not valid JSON", type: "json_invalid" },
    ]);
  }
}
