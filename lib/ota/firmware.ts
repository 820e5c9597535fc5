import { and, count, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/lib/db/client";
import { firmwareVersions } from "@/lib/db/schema";
import { NotFound } from "@/lib/http/errors";

export const FirmwareListQuery = z.object({
  device_type: z.string().max(50).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type FirmwareListQuery = z.infer<typeof FirmwareListQuery>;

type FirmwareRow = typeof firmwareVersions.$inferSelect;

/** The seed's response shape (snake_case, ISO 8601 timestamps). */
export function firmwareJson(f: FirmwareRow) {
  return {
    id: f.id,
    version: f.version,
    description: f.description,
    file_url: f.fileUrl,
    file_size_bytes: f.fileSizeBytes,
    checksum_sha256: f.checksumSha256,
    device_type: f.deviceType,
    created_at: f.createdAt.toISOString(),
    created_by: f.createdBy,
  };
}

/** `GET /customer/firmware`: newest first; `total` counts every match, not the page. */
export async function listFirmware(tx: DbOrTx, tenantId: string, q: FirmwareListQuery) {
  const where = and(
    eq(firmwareVersions.tenantId, tenantId),
    q.device_type ? eq(firmwareVersions.deviceType, q.device_type) : undefined,
  );
  const [rows, [totals]] = await Promise.all([
    tx
      .select()
      .from(firmwareVersions)
      .where(where)
      .orderBy(desc(firmwareVersions.createdAt), desc(firmwareVersions.id))
      .limit(q.limit)
      .offset(q.offset),
    tx.select({ total: count() }).from(firmwareVersions).where(where),
  ]);
  return { firmware_versions: rows.map(firmwareJson), total: totals?.total ?? 0 };
}

/**
 * CROSS-TENANT PATH (reviewed): a device's download is authorised by the signed URL,
 * not by a user, so the firmware is looked up by id alone. Returns only what serving
 * the file needs.
 */
export async function storedFirmwareForDownload(db: DbOrTx, firmwareId: number) {
  const [row] = await db
    .select({
      storageKey: firmwareVersions.storageKey,
      sizeBytes: firmwareVersions.fileSizeBytes,
      sha256: firmwareVersions.checksumSha256,
      version: firmwareVersions.version,
    })
    .from(firmwareVersions)
    .where(eq(firmwareVersions.id, firmwareId));
  if (!row?.storageKey || row.sizeBytes === null) throw new NotFound("Firmware file not found");
  return { ...row, storageKey: row.storageKey, sizeBytes: row.sizeBytes };
}

/** One firmware of the tenant, or NotFound (another tenant's id answers exactly like a missing one). */
export async function getFirmware(tx: DbOrTx, tenantId: string, firmwareId: number) {
  const [row] = await tx
    .select()
    .from(firmwareVersions)
    .where(and(eq(firmwareVersions.tenantId, tenantId), eq(firmwareVersions.id, firmwareId)));
  if (!row) throw new NotFound("Firmware version not found");
  return row;
}

/** How long an operator's download link stays valid. */
export const OPERATOR_LINK_TTL_SECONDS = 3600;
