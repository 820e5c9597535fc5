/**
 * `npm run simulate -- --tenant T [--group G | --devices a,b,c] [--fail-rate R]
 * [--silent-rate R] [--interrupt-rate R] [--delay-ms N]`: simulated devices that
 * follow docs/device-protocol.md, until Ctrl-C. Exit codes: 2 for bad arguments or
 * configuration, 1 when the devices cannot be found or cannot connect.
 */
import { config, ConfigError, requireDatabaseUrl } from "@/lib/config";
import { createDb } from "@/lib/db/client";
import { NotFound } from "@/lib/errors";
import { ArgsError, parseSimulateArgs, SIMULATE_USAGE, type SimulateArgs } from "@/lib/simulator/args";
import { SimulatedFleet, type DeviceRef } from "@/lib/simulator/fleet";
import { devicesToSimulate } from "@/lib/simulator/targets";

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

class Exit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function loadDevices(args: SimulateArgs): Promise<DeviceRef[]> {
  if (args.devices) return args.devices.map((deviceId) => ({ tenantId: args.tenant[0]!, deviceId }));
  let url: string;
  try {
    url = requireDatabaseUrl();
  } catch (err) {
    throw new Exit(
      2,
      `${(err as Error).message} (it is needed to read ${args.group ? "the group" : "the devices"}; or pass --devices)`,
    );
  }
  const handle = createDb(url, { max: 1, name: "flotilla-simulator" });
  try {
    const found: DeviceRef[] = [];
    for (const tenantId of args.tenant) {
      try {
        const refs = await devicesToSimulate(handle.db, tenantId, args.group);
        if (refs.length === 0) log(`tenant ${tenantId}: no devices${args.group ? ` in group ${args.group}` : ""}`);
        found.push(...refs);
      } catch (err) {
        if (err instanceof NotFound) throw new Exit(1, `tenant ${tenantId} has no device group "${args.group}"`);
        throw err;
      }
    }
    return found;
  } finally {
    await handle.close();
  }
}

async function main(): Promise<number> {
  const parsed = parseSimulateArgs(process.argv.slice(2));
  if (parsed === "help") {
    console.log(SIMULATE_USAGE);
    return 0;
  }
  const args = parsed;
  const cfg = config();
  if (!cfg.MQTT_URL) throw new Exit(2, "MQTT_URL is not set (e.g. mqtt://127.0.0.1:1884 for `npm start`'s broker).");

  // Signals are ours from the start, so that a stop while loading or connecting is still clean.
  // The fleet once it exists: a signal may come before it does.
  const running: { fleet?: SimulatedFleet } = {};
  let stopping: string | undefined;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = signal;
      log(`${signal}: stopping`);
      void (running.fleet?.stop() ?? Promise.resolve()).then(() => {
        log("stopped");
        resolve(0);
      });
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
  });

  const refs = await loadDevices(args);
  if (stopping) return stopped;
  if (refs.length === 0) throw new Exit(1, "no devices to simulate");

  const fleet = new SimulatedFleet({
    devices: refs,
    mqtt: { url: cfg.MQTT_URL, username: cfg.MQTT_USERNAME, password: cfg.MQTT_PASSWORD },
    failRate: args["fail-rate"],
    silentRate: args["silent-rate"],
    interruptRate: args["interrupt-rate"],
    delayMs: args["delay-ms"],
    concurrency: args.concurrency,
    log,
  });
  running.fleet = fleet;
  const tenants = [...new Set(refs.map((r) => r.tenantId))].join(", ");
  log(`connecting ${refs.length} simulated devices of ${tenants} to ${cfg.MQTT_URL}…`);
  try {
    await fleet.start();
  } catch (err) {
    throw new Exit(1, (err as Error).message);
  }
  if (!stopping) {
    log(
      `ready: ${refs.length} devices listening (fail rate ${args["fail-rate"]}, silent rate ${args["silent-rate"]}, ` +
        `interrupt rate ${args["interrupt-rate"]}, delay ${args["delay-ms"]} ms); Ctrl-C stops them`,
    );
  }
  return stopped;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ArgsError) {
      console.error(`simulate: ${err.message}\n\n${SIMULATE_USAGE}`);
      process.exit(2);
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof Exit) {
      console.error(`simulate: ${err.message}`);
      process.exit(err.code);
    }
    console.error("simulate: failed:", err);
    process.exit(1);
  },
);
