import { and, count, desc, eq } from "drizzle-orm";
import type { DbOrTx, Tx } from "@/lib/db/client";
import { firmwareVersions, otaCampaigns } from "@/lib/db/schema";
import { publicUrl, requireAuthSecret } from "@/lib/config";
import { BadRequest, Conflict, NotFound } from "@/lib/errors";
import { checkReleaseSignature } from "./release-keys";
import type { FirmwareCreate, FirmwareUploadMetadata, FirmwareListQuery } from "./schemas";
import { firmwareDownloadPath, signDownloadUrl } from "./signed-url";
import type { Stored } from "./storage";

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
    release_signature: f.releaseSignature,
    release_kid: f.releaseKid,
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

/**
 * A fresh signed download link for an operator (`{"url", "expires_at"}`, valid for
 * OPERATOR_LINK_TTL_SECONDS), for firmware that Flotilla stores: firmware registered by URL
 * is a BadRequest (its own file_url is the link).
 */
export async function firmwareDownloadLink(tx: DbOrTx, tenantId: string, firmwareId: number, now = new Date()) {
  const fw = await getFirmware(tx, tenantId, firmwareId);
  if (!fw.storageKey) throw new BadRequest("Firmware is registered by URL, not stored by Flotilla: use its file_url");
  const expiresAt = new Date(now.getTime() + OPERATOR_LINK_TTL_SECONDS * 1000);
  return {
    url: `${publicUrl()}${signDownloadUrl(fw.id, expiresAt, requireAuthSecret())}`,
    expires_at: expiresAt.toISOString(),
  };
}

const DUPLICATE = "Firmware version already exists for this device type";

/**
 * Registers firmware by URL (the JSON body of docs/api.md): 409 on a duplicate (version, device
 * type). A release signature is checked against the declared checksum_sha256: Flotilla never
 * sees these bytes, a device checks them against the same checksum in its manifest.
 */
export async function createFirmware(tx: Tx, tenantId: string, body: FirmwareCreate, createdBy: string) {
  const signed = await checkReleaseSignature(tx, tenantId, body.checksum_sha256 ?? null, body, ["body"]);
  const [row] = await tx
    .insert(firmwareVersions)
    .values({
      tenantId,
      version: body.version,
      description: body.description ?? null,
      fileUrl: body.file_url,
      fileSizeBytes: body.file_size_bytes ?? null,
      checksumSha256: body.checksum_sha256 ?? null,
      deviceType: body.device_type ?? null,
      createdBy,
      ...signed,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new Conflict(DUPLICATE);
  return firmwareJson(row);
}

/**
 * Registers an uploaded binary: size and checksum are the server's own, file_url its download
 * path. The release signature is checked here, after the bytes were streamed and hashed: a
 * refusal rolls the row back and the caller (createUploadedFirmware) removes the file.
 */
export async function createStoredFirmware(
  tx: Tx,
  tenantId: string,
  meta: FirmwareUploadMetadata,
  stored: Stored,
  createdBy: string,
) {
  const signed = await checkReleaseSignature(tx, tenantId, stored.sha256, meta, ["body", "metadata"]);
  const [row] = await tx
    .insert(firmwareVersions)
    .values({
      tenantId,
      version: meta.version,
      description: meta.description ?? null,
      fileUrl: "pending", // the download path needs the id: set just below
      fileSizeBytes: stored.sizeBytes,
      checksumSha256: stored.sha256,
      deviceType: meta.device_type ?? null,
      createdBy,
      storageKey: stored.key,
      ...signed,
    })
    .onConflictDoNothing()
    .returning({ id: firmwareVersions.id });
  if (!row) throw new Conflict(DUPLICATE);
  const [updated] = await tx
    .update(firmwareVersions)
    .set({ fileUrl: firmwareDownloadPath(row.id) })
    .where(and(eq(firmwareVersions.tenantId, tenantId), eq(firmwareVersions.id, row.id)))
    .returning();
  return firmwareJson(updated!);
}

/**
 * Deletes firmware that no campaign refers to (409 otherwise: campaigns keep their
 * history). Returns the storage key, to be removed once the transaction has committed.
 */
export async function deleteFirmware(tx: Tx, tenantId: string, firmwareId: number): Promise<string | null> {
  const fw = await getFirmware(tx, tenantId, firmwareId);
  const [used] = await tx
    .select({ id: otaCampaigns.id })
    .from(otaCampaigns)
    .where(and(eq(otaCampaigns.tenantId, tenantId), eq(otaCampaigns.firmwareVersionId, firmwareId)))
    .limit(1);
  if (used) throw new Conflict(`Firmware is used by campaign ${used.id}`);
  await tx
    .delete(firmwareVersions)
    .where(and(eq(firmwareVersions.tenantId, tenantId), eq(firmwareVersions.id, firmwareId)));
  return fw.storageKey;
}
