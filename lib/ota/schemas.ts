import { z } from "zod";
import { ROLLOUT_STRATEGIES } from "@/lib/db/schema/campaigns";
import { CANARY_PERCENT } from "@/lib/rules/canary";
import { IDENTIFIER, IDENTIFIER_RULE } from "@/lib/rules/identifiers";
import { CAMPAIGN_STATUSES, DEVICE_STATUSES } from "@/lib/rules/statuses";

/**
 * Every request shape of the API, validated here and described by /openapi.json
 * from the same objects, so that the two cannot drift.
 */

// device_id and group_id become MQTT topic levels and URL segments (lib/rules/identifiers.ts).
export const Identifier = z.string().regex(IDENTIFIER, IDENTIFIER_RULE);
const SHA256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, "must be 64 hexadecimal characters")
  .transform((s) => s.toLowerCase());
const Limit = z.coerce.number().int().min(1).max(200).default(50);
const Offset = z.coerce.number().int().min(0).max(1_000_000_000).default(0);
/** A serial id: a positive integer that fits PostgreSQL's int4 (larger ones would be a 500, not a 404). */
export const SerialId = z.coerce.number().int().positive().max(2_147_483_647);
const upper = (v: unknown) => (typeof v === "string" ? v.toUpperCase() : v);

export const IdPath = z.object({ id: SerialId });
export const DevicePath = z.object({ device_id: Identifier });
export const GroupPath = z.object({ group_id: Identifier });
export const MemberPath = z.object({ group_id: Identifier, device_id: Identifier });

export const Pagination = z.object({ limit: Limit, offset: Offset });

// ── Firmware ────────────────────────────────────────────────────────
export const FirmwareListQuery = Pagination.extend({ device_type: z.string().min(1).max(50).optional() });
export type FirmwareListQuery = z.infer<typeof FirmwareListQuery>;

const FirmwareFields = z.object({
  version: z.string().trim().min(1).max(50),
  description: z.string().max(10_000).nullish(),
  file_size_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  checksum_sha256: SHA256.nullish(),
  device_type: z.string().trim().min(1).max(50).nullish(),
});
/** Registering firmware by URL (the JSON body of docs/api.md). */
export const FirmwareCreate = FirmwareFields.extend({
  file_url: z.string().min(1).max(2048).url(),
});
export type FirmwareCreate = z.infer<typeof FirmwareCreate>;
/** The `metadata` part of a multipart upload: the same fields, minus `file_url`. */
export const FirmwareUploadMetadata = FirmwareFields.strict();
export type FirmwareUploadMetadata = z.infer<typeof FirmwareUploadMetadata>;

// ── Campaigns ───────────────────────────────────────────────────────
export const CampaignStatusFilter = z.preprocess(upper, z.enum(CAMPAIGN_STATUSES)).optional();
export const DeviceStatusFilter = z.preprocess(upper, z.enum(DEVICE_STATUSES)).optional();
export const CampaignListQuery = Pagination.extend({ status: CampaignStatusFilter });
export type CampaignListQuery = z.infer<typeof CampaignListQuery>;
export const CampaignDevicesQuery = Pagination.extend({ status: DeviceStatusFilter });
export type CampaignDevicesQuery = z.infer<typeof CampaignDevicesQuery>;

export const CampaignCreate = z.object({
  name: z.string().trim().min(1).max(100),
  firmware_version_id: z.number().int().positive().max(2_147_483_647),
  target_group_id: Identifier,
  rollout_strategy: z.enum(ROLLOUT_STRATEGIES).default("linear"),
  rollout_rate: z.number().int().min(1).max(1000).default(10),
  abort_threshold: z.number().min(0).max(1).default(0.1),
  // The rollout engine's fields: see lib/rollout/ and docs/architecture.md for what each one does.
  canary_percent: z.number().int().min(CANARY_PERCENT.min).max(CANARY_PERCENT.max).default(CANARY_PERCENT.default),
  abort_min_devices: z.number().int().min(1).max(10_000_000).default(10),
  device_timeout_seconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(1800),
  max_in_flight: z.number().int().min(1).max(10_000_000).nullish(),
});
export type CampaignCreate = z.infer<typeof CampaignCreate>;
/** A dry run of creation: the same body, the name optional. */
export const CampaignPreviewBody = CampaignCreate.extend({ name: CampaignCreate.shape.name.optional() });
export type CampaignPreviewBody = z.infer<typeof CampaignPreviewBody>;

// ── Devices and groups ──────────────────────────────────────────────
export const DeviceListQuery = Pagination.extend({
  device_type: z.string().min(1).max(50).optional(),
  fw_version: z.string().min(1).max(50).optional(),
  group_id: Identifier.optional(),
});
export type DeviceListQuery = z.infer<typeof DeviceListQuery>;
export const DeviceCreate = z.object({
  device_id: Identifier,
  device_type: z.string().trim().min(1).max(50).nullish(),
  fw_version: z.string().trim().min(1).max(50).nullish(),
});
export type DeviceCreate = z.infer<typeof DeviceCreate>;

export const GroupCreate = z.object({
  group_id: Identifier,
  name: z.string().trim().min(1).max(100),
  description: z.string().max(10_000).nullish(),
});
export type GroupCreate = z.infer<typeof GroupCreate>;
export const MembersAdd = z.object({
  device_ids: z.array(Identifier).min(1).max(10_000),
});
export type MembersAdd = z.infer<typeof MembersAdd>;
