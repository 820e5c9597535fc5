import { config, ConfigError, type Config } from "@/lib/config";
import { dynsecProvisioner, type DynsecProvisioner } from "./dynsec";

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

/** The process's provisioner lives on globalThis: Next's server bundle has its own copy of this module. */
const g = globalThis as unknown as {
  __flotillaBrokerProvisioner?: BrokerProvisioner & { close?: () => Promise<void> };
};

/**
 * The provisioner the configuration asks for: Mosquitto's dynamic security when MQTT_DYNSEC=1
 * (with the service credential, MQTT_USERNAME / MQTT_PASSWORD), otherwise none. It connects
 * on first use.
 */
export function provisionerFromConfig(c: Config = config()): BrokerProvisioner & { close?: () => Promise<void> } {
  if (!c.MQTT_DYNSEC) return noProvisioning;
  if (!c.MQTT_URL) throw new ConfigError("MQTT_DYNSEC=1 needs MQTT_URL (the Mosquitto with dynamic security).");
  return dynsecProvisioner({ url: c.MQTT_URL, username: c.MQTT_USERNAME, password: c.MQTT_PASSWORD });
}

/** The process's provisioner: the one set at start-up, or the configuration's (lazily). */
export function brokerProvisioner(): BrokerProvisioner {
  g.__flotillaBrokerProvisioner ??= provisionerFromConfig();
  return g.__flotillaBrokerProvisioner;
}

export function setBrokerProvisioner(p: BrokerProvisioner): void {
  g.__flotillaBrokerProvisioner = p;
}

/**
 * For a process's start (web server, worker): with MQTT_DYNSEC=1, connects to Mosquitto now and
 * makes sure the service role and the default access are in place, so that a wrong service
 * credential or a broker without the plugin stops the start with a clear message instead of
 * failing the first registration (and so that the worker's service credential can publish
 * commands before anything was registered). Without it, does nothing.
 */
export async function startBrokerProvisioning(c: Config = config()): Promise<void> {
  if (!c.MQTT_DYNSEC) return;
  await (brokerProvisioner() as Partial<DynsecProvisioner>).connection?.();
}

/** Closes the process's provisioner's broker connection (at shutdown). */
export async function stopBrokerProvisioning(): Promise<void> {
  const p = g.__flotillaBrokerProvisioner;
  g.__flotillaBrokerProvisioner = undefined;
  await p?.close?.();
}
