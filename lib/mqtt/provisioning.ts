/**
 * Device accounts on a broker that keeps its own (Mosquitto's dynamic security). The
 * database is the registry; a provisioner mirrors registrations, re-keys and deletions
 * onto the broker. Brokers that ask Flotilla instead (the embedded aedes, EMQX through
 * its HTTP hooks) need none: for them this is a no-op.
 *
 * Callers provision inside the registering transaction, before it commits, so that a
 * 201 always means the device can connect; a commit that then fails leaves at worst a
 * broker account for a device that does not exist, which `npm run mqtt:sync` removes.
 */
export interface DeviceAccount {
  tenantId: string;
  deviceId: string;
}

export interface BrokerProvisioner {
  /** Creates or replaces these devices' accounts with these passwords; resolves once the broker confirmed every one. */
  upsert(accounts: (DeviceAccount & { password: string })[]): Promise<void>;
  /** Removes these devices' accounts and disconnects them; resolves once the broker confirmed. Unknown accounts are fine. */
  remove(accounts: DeviceAccount[]): Promise<void>;
}

export const noProvisioning: BrokerProvisioner = {
  upsert: async () => {},
  remove: async () => {},
};

let current: BrokerProvisioner = noProvisioning;

/** The process's provisioner: no-op unless set at start-up (MQTT_DYNSEC=1 sets Mosquitto's; lib/mqtt/dynsec.ts). */
export function brokerProvisioner(): BrokerProvisioner {
  return current;
}

export function setBrokerProvisioner(p: BrokerProvisioner): void {
  current = p;
}
