import { firmwareDir, requireAuthSecret } from "@/lib/config";
import type { DbOrTx } from "@/lib/db/client";
import { Forbidden } from "@/lib/errors";
import { storedFirmwareForDownload } from "./firmware";
import { verifyDownloadSignature } from "./signed-url";
import { storedPath } from "./storage";

/** A stored firmware file that a device may download, as plain values. */
export interface DownloadableFile {
  /** The file on disk. */
  path: string;
  sizeBytes: number;
  sha256: string | null;
  version: string;
}

/**
 * CROSS-TENANT PATH (reviewed): a device's download is authorised by its signed URL
 * (`exp`, `sig`), not by a user. The signature is checked first (Forbidden for a missing,
 * wrong or expired one), then the stored file is looked up by id alone (NotFound for
 * firmware that has no stored file). How the bytes travel (ranges, headers, streaming) is
 * the transport's (docs/decisions/0005-device-downloads-outside-next.md).
 */
export async function authorizeDownload(
  db: DbOrTx,
  firmwareId: number,
  exp: string | null,
  sig: string | null,
): Promise<DownloadableFile> {
  const ok = verifyDownloadSignature(firmwareId, exp, sig, requireAuthSecret());
  if (!ok) throw new Forbidden("Download link is missing its signature, or it is wrong or expired");
  const fw = await storedFirmwareForDownload(db, firmwareId);
  return {
    path: storedPath(firmwareDir(), fw.storageKey),
    sizeBytes: fw.sizeBytes,
    sha256: fw.sha256,
    version: fw.version,
  };
}
