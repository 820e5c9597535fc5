import { SimulatedDevice, type DeviceBehaviour, type DeviceTrust, type MqttTarget } from "./device";

/** A device to simulate, with what it was provisioned with (its own password, its tenant's JWKS, release keys). */
export interface DeviceRef extends DeviceTrust {
  tenantId: string;
  deviceId: string;
  /** The firmware version it runs at start, when known. */
  version?: string | null;
}

export interface FleetOptions extends DeviceBehaviour {
  devices: DeviceRef[];
  mqtt: MqttTarget;
  /** Connections opened at once (default 50): thousands of simultaneous CONNECTs swamp a broker. */
  concurrency?: number;
  log?: (line: string) => void;
}

/**
 * Many simulated devices in one process, each with its own MQTT connection as real
 * devices have (the only place in Flotilla where one connection per device is right).
 */
export class SimulatedFleet {
  readonly devices: SimulatedDevice[];
  private readonly concurrency: number;
  private starting: Promise<void> | null = null;
  private stopped = false;

  constructor(opts: FleetOptions) {
    const { devices, concurrency, ...shared } = opts;
    this.concurrency = Math.max(1, concurrency ?? 50);
    this.devices = devices.map((d) => new SimulatedDevice({ ...shared, ...d }));
  }

  /**
   * Connects every device, `concurrency` at a time. The first device that cannot
   * connect (broker down, credentials refused) stops the whole fleet and rejects:
   * that is a configuration problem, not a device fault to simulate.
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      try {
        await eachLimited(this.devices, this.concurrency, (d) => (this.stopped ? Promise.resolve() : d.start()));
      } catch (err) {
        this.stopped = true;
        await this.stopDevices();
        throw err;
      }
    })();
    return this.starting;
  }

  /** Stops every device (also in the middle of `start`); safe to call more than once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.starting?.catch(() => {});
    await this.stopDevices();
  }

  private stopDevices(): Promise<void> {
    return eachLimited(this.devices, 200, (d) => d.stop().catch(() => {}));
  }
}

/** Runs `fn` over `items` with at most `limit` at once; rejects with the first error once the running ones settle. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw failure;
}

/** Starts a fleet: `await startFleet(opts)`, later `await fleet.stop()`. */
export async function startFleet(opts: FleetOptions): Promise<SimulatedFleet> {
  const fleet = new SimulatedFleet(opts);
  await fleet.start();
  return fleet;
}
