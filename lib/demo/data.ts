/** The demo data (README.md, "Seeds the demo data"), plus firmware 1.2.0 so that a new campaign can be tried at once. */
export const DEMO_PASSWORD = "flotilla-demo";

export const DEMO_TENANTS = [
  { tenantId: "acme", name: "Acme Corp" },
  { tenantId: "globex", name: "Globex" },
] as const;

export const DEMO_USERS = [
  { email: "admin@acme.example", tenantId: "acme", role: "admin", name: "Acme Admin" },
  { email: "viewer@acme.example", tenantId: "acme", role: "viewer", name: "Acme Viewer" },
  { email: "admin@globex.example", tenantId: "globex", role: "admin", name: "Globex Admin" },
] as const;

export const DEMO_DEVICE_COUNT = 15;
export const demoDeviceId = (tenantId: string, n: number) => `${tenantId}-sensor-${String(n).padStart(3, "0")}`;

export const DEMO_GROUPS = [
  { groupId: "all", name: "All devices", description: "Every device in the fleet", members: range(1, 15) },
  { groupId: "building-a", name: "Building A", description: "Sensors installed in building A", members: range(1, 8) },
  { groupId: "canary", name: "Canary", description: "Devices that receive updates first", members: [14, 15] },
];

export const DEMO_FIRMWARE = [
  { version: "1.0.0", description: "Initial release - basic telemetry and heartbeat", size: 524_288 },
  { version: "1.1.0", description: "Added OTA update support and improved power management", size: 589_824 },
  { version: "1.2.0", description: "Faster reconnects and batched telemetry uploads", size: 655_360 },
] as const;

export const DEMO_CAMPAIGN = {
  name: "Fleet Update to v1.1.0",
  groupId: "all",
  version: "1.1.0",
  rolloutRate: 20,
  abortThreshold: 0.1,
  failedDevice: 1,
  failedMessage: "Checksum mismatch after download",
};

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
