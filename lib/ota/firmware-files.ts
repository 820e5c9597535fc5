import { firmwareDir } from "@/lib/config";
import type { Tx } from "@/lib/db/client";
import { ValidationFailed } from "@/lib/errors";
import { createStoredFirmware, deleteFirmware } from "./firmware";
import type { FirmwareUploadMetadata } from "./schemas";
import { removeStored, type Stored } from "./storage";

/**
 * A stored firmware binary lives beside its row: the file is written before the row
 * exists and removed only after the row is gone for good, so that neither a failed insert
 * nor a rolled-back delete leaves the two apart. Both run the row's part in the caller's
 * tenant transaction (`inTenant`, the route wrapper's) and the file's part around it.
 */
export type InTenant = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

/** An upload whose bytes are stored: its metadata part and the stored file. */
export interface ReceivedUpload {
  meta: FirmwareUploadMetadata;
  stored: Stored;
}

/**
 * The declared size and checksum of an upload (both optional) must be the stored bytes'
 * own: a 422 located at the metadata field otherwise.
 */
export function checkUploadMatches(meta: FirmwareUploadMetadata, stored: Stored): void {
  if (meta.checksum_sha256 && meta.checksum_sha256 !== stored.sha256) {
    throw new ValidationFailed([
      {
        loc: ["body", "metadata", "checksum_sha256"],
        msg: `does not match the uploaded file (its SHA-256 is ${stored.sha256})`,
        type: "checksum_mismatch",
      },
    ]);
  }
  if (meta.file_size_bytes != null && meta.file_size_bytes !== stored.sizeBytes) {
    throw new ValidationFailed([
      {
        loc: ["body", "metadata", "file_size_bytes"],
        msg: `does not match the uploaded file (${stored.sizeBytes} bytes)`,
        type: "size_mismatch",
      },
    ]);
  }
}

/** Registers an uploaded binary; when the row cannot be made (a duplicate version, …) the file goes again. */
export async function createUploadedFirmware(
  inTenant: InTenant,
  tenantId: string,
  upload: ReceivedUpload,
  createdBy: string,
  dir = firmwareDir(),
) {
  try {
    return await inTenant((tx) => createStoredFirmware(tx, tenantId, upload.meta, upload.stored, createdBy));
  } catch (err) {
    await removeStored(dir, upload.stored.key);
    throw err;
  }
}

/** Deletes firmware (see `deleteFirmware`), then its stored file once the delete has committed. */
export async function deleteFirmwareAndFile(
  inTenant: InTenant,
  tenantId: string,
  firmwareId: number,
  dir = firmwareDir(),
) {
  const storageKey = await inTenant((tx) => deleteFirmware(tx, tenantId, firmwareId));
  // Only after the row is gone for good: a rolled-back delete must still have its file.
  if (storageKey) await removeStored(dir, storageKey);
}
