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
/** An RFC 7638 key id: a SHA-256 thumbprint, base64url without padding. */
export const Kid = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be a key id: 43 base64url characters");
/** A detached Ed25519 signature: 64 bytes, base64url without padding (what npm run sign-firmware prints). */
const ReleaseSignature = z
  .string()
  .regex(/^[A-Za-z0-9_-]{86}$/, "must be an Ed25519 signature: 86 base64url characters (64 bytes, no padding)");
export const FirmwareListQuery = Pagination.extend({ device_type: z.string().min(1).max(50).optional() });
export type FirmwareListQuery = z.infer<typeof FirmwareListQuery>;

const FirmwareFields = z.object({
  version: z.string().trim().min(1).max(50),
  description: z.string().max(10_000).nullish(),
  file_size_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  checksum_sha256: SHA256.nullish(),
  device_type: z.string().trim().min(1).max(50).nullish(),
  // The operator's detached release signature over the image's SHA-256, and (optionally) the
  // release key that made it: lib/ota/release-keys.ts verifies it, docs/release-signing.md says how.
  release_signature: ReleaseSignature.nullish(),
  release_kid: Kid.nullish(),
});
/** Registering firmware by URL (the JSON body of docs/api.md). */
export const FirmwareCreate = FirmwareFields.extend({
  file_url: z.string().min(1).max(2048).url(),
});
export type FirmwareCreate = z.infer<typeof FirmwareCreate>;
/** The `metadata` part of a multipart upload: the same fields, minus `file_url`. */
export const FirmwareUploadMetadata = FirmwareFields.strict();
export type FirmwareUploadMetadata = z.infer<typeof FirmwareUploadMetadata>;

/**
 * A release public key: a JWK (`{"kty": "OKP", "crv": "Ed25519", "x"}`) or a PEM SPKI string.
 * Only the shape is checked here; lib/ota/release-keys.ts says precisely what is wrong with a key.
 */
export const ReleaseKeyCreate = z.object({
  name: z.string().trim().min(1).max(100),
  public_key: z.union([z.string().min(1).max(4096), z.record(z.string(), z.unknown())]),
});
export type ReleaseKeyCreate = z.infer<typeof ReleaseKeyCreate>;
export const KidPath = z.object({ kid: Kid });
export const OtaSettingsUpdate = z.object({ require_signed_firmware: z.boolean() });
export type OtaSettingsUpdate = z.infer<typeof OtaSettingsUpdate>;

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

/** The most devices one bulk registration takes (`POST /customer/devices/bulk`). */
export const BULK_MAX_DEVICES = 100_000;
/**
 * Its body limit: 100,000 devices with every field at its longest are about 21.4 MB of
 * compact JSON (214 bytes each), so 32 MiB leaves room for whitespace without letting a
 * body grow unbounded.
 */
export const BULK_MAX_BODY_BYTES = 32 * 1024 * 1024;
/** How many duplicate ids a refused bulk body names (one issue each); the rest are counted. */
const DUPLICATES_NAMED = 20;

export const DeviceBulkCreate = z
  .object({ devices: z.array(DeviceCreate).min(1).max(BULK_MAX_DEVICES) })
  .superRefine(({ devices }, ctx) => {
    // All or nothing: a device listed twice would get two passwords of which one works.
    const first = new Map<string, number>();
    let named = 0;
    let more = 0;
    devices.forEach(({ device_id }, i) => {
      const at = first.get(device_id);
      if (at === undefined) return void first.set(device_id, i);
      if (named++ < DUPLICATES_NAMED)
        ctx.addIssue({
          code: "custom",
          path: ["devices", i, "device_id"],
          message: `duplicate device_id ${device_id} (also at index ${at})`,
        });
      else more++;
    });
    if (more) ctx.addIssue({ code: "custom", path: ["devices"], message: `and ${more} more duplicate device_ids` });
  });
export type DeviceBulkCreate = z.infer<typeof DeviceBulkCreate>;

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
