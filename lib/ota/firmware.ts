import { and, count, desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/lib/db/client";
import { firmwareFiles, firmwareVersions } from "@/lib/db/schema";
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

/** The stored binary's size and checksum, or NotFound when Flotilla holds no file for it. */
export async function firmwareFileInfo(tx: DbOrTx, tenantId: string, firmwareId: number) {
  const [row] = await tx
    .select({ sizeBytes: firmwareFiles.sizeBytes, sha256: firmwareFiles.sha256, version: firmwareVersions.version })
    .from(firmwareFiles)
    .innerJoin(firmwareVersions, eq(firmwareVersions.id, firmwareFiles.firmwareId))
    .where(and(eq(firmwareFiles.tenantId, tenantId), eq(firmwareFiles.firmwareId, firmwareId)));
  if (!row) throw new NotFound("Firmware file not found");
  return row;
}

/** Bytes [start, end] of a stored binary; only that slice is read (the column is stored uncompressed). */
export async function readFirmwareSlice(
  tx: DbOrTx,
  tenantId: string,
  firmwareId: number,
  start: number,
  end: number,
): Promise<Buffer> {
  const [row] = await tx
    .select({ chunk: sql<Buffer>`substring(${firmwareFiles.content} from ${start + 1}::int for ${end - start + 1}::int)` })
    .from(firmwareFiles)
    .where(and(eq(firmwareFiles.tenantId, tenantId), eq(firmwareFiles.firmwareId, firmwareId)));
  if (!row) throw new NotFound("Firmware file not found");
  return Buffer.from(row.chunk);
}
