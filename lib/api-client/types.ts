/**
 * The API's response shapes, as the browser sees them: derived from the domain
 * functions' return types (type-only imports: nothing server-side reaches the bundle).
 */
import type { getCampaign, listCampaignDevices, listCampaigns } from "@/lib/ota/campaigns";
import type { firmwareJson, listFirmware } from "@/lib/ota/firmware";
import type { getDevice, listDevices, deviceOtaHistory } from "@/lib/ota/devices";
import type { getGroup, listGroups } from "@/lib/ota/groups";
import type { WorkerHealth } from "@/lib/rollout/heartbeat";
import type { createDevice, rekeyDevice } from "@/lib/ota/device-registration";
import type { getOtaSettings, listReleaseKeys } from "@/lib/ota/release-keys";
import type { tenantJwks } from "@/lib/ota/signing-keys";

export type Campaign = Awaited<ReturnType<typeof getCampaign>>;
export type CampaignList = Awaited<ReturnType<typeof listCampaigns>>;
export type CampaignListItem = CampaignList["campaigns"][number];
export type CampaignDevicePage = Awaited<ReturnType<typeof listCampaignDevices>>;
export type CampaignDevice = CampaignDevicePage["devices"][number];
export type Firmware = ReturnType<typeof firmwareJson>;
export type FirmwareList = Awaited<ReturnType<typeof listFirmware>>;
export type DeviceList = Awaited<ReturnType<typeof listDevices>>;
export type Device = Awaited<ReturnType<typeof getDevice>>;
export type DeviceHistory = Awaited<ReturnType<typeof deviceOtaHistory>>;
export type GroupList = Awaited<ReturnType<typeof listGroups>>;
export type Group = Awaited<ReturnType<typeof getGroup>>;

export interface Health {
  status: "ok" | "degraded" | "down";
  database: { status: "ok" | "down"; latency_ms?: number; error?: string };
  broker: { status: "ok" | "down" | "unknown" };
  workers: WorkerHealth[];
  tick_interval_ms: number;
}

/* Device trust (issue 11). */

/** A registered device with its MQTT credentials and the tenant's JWKS: the password is in this answer only. */
export type DeviceCreated = Awaited<ReturnType<typeof createDevice>>;
/** What `POST /customer/devices/{id}/credentials` hands out once (registration hands out the same). */
export type IssuedCredentials = Awaited<ReturnType<typeof rekeyDevice>>;
/** The tenant's command-signing public keys (`GET /customer/ota/signing-keys`), the active key first. */
export type SigningJwks = Awaited<ReturnType<typeof tenantJwks>>;
export type ReleaseKeyList = Awaited<ReturnType<typeof listReleaseKeys>>;
export type ReleaseKey = ReleaseKeyList["release_keys"][number];
export type OtaSettings = Awaited<ReturnType<typeof getOtaSettings>>;
