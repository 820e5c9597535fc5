/**
 * `npm run simulate -- --tenant T [--group G | --devices a,b,c] [--credentials F.csv |
 * --issue-credentials] [--jwks F] [--release-keys F] [--fail-rate R] [--silent-rate R]
 * [--interrupt-rate R] [--delay-ms N]`: simulated devices that follow
 * docs/device-protocol.md, each connecting with its own credentials and verifying every
 * manifest, until Ctrl-C. Exit codes: 2 for bad arguments, configuration or files, 1 when
 * the devices cannot be found or cannot connect.
 */
import fs from "node:fs";
import { config, ConfigError, requireDatabaseUrl, type Config } from "@/lib/config";
import { createDb, type Db } from "@/lib/db/client";
import { NotFound } from "@/lib/errors";
import { deviceMqttIdentity } from "@/lib/mqtt/identity";
import { stopBrokerProvisioning } from "@/lib/mqtt/provisioning";
import type { PublicJwk } from "@/lib/rollout/manifest";
import { ArgsError, parseSimulateArgs, SIMULATE_USAGE, type SimulateArgs } from "@/lib/simulator/args";
import { SimulatedFleet, type DeviceRef } from "@/lib/simulator/fleet";
import {
  issueSimulatorCredentials,
  parseCredentialsCsv,
  parseJwkFile,
  ProvisioningFileError,
  readTenantJwks,
} from "@/lib/simulator/provision";
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

function readFileWith<T>(option: string, file: string, parse: (text: string) => T): T {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Exit(2, `--${option} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof ProvisioningFileError) throw new Exit(2, `--${option} ${file}: ${err.message}`);
    throw err;
  }
}

/** The devices to simulate, each with what it was provisioned with, and a line saying how. */
async function loadDevices(args: SimulateArgs, cfg: Config): Promise<{ refs: DeviceRef[]; provisioned: string }> {
  const credentials = args.credentials ? readFileWith("credentials", args.credentials, parseCredentialsCsv) : undefined;
  const fileJwks = args.jwks ? { keys: readFileWith("jwks", args.jwks, parseJwkFile) } : undefined;
  const releaseKeys: PublicJwk[] | undefined = args["release-keys"]
    ? readFileWith("release-keys", args["release-keys"], parseJwkFile)
    : undefined;

  // Named on the command line, or the devices of the credentials file, or read from the database.
  let refs: DeviceRef[] | null = null;
  if (args.devices) refs = args.devices.map((deviceId) => ({ tenantId: args.tenant[0]!, deviceId }));
  else if (credentials && !args.group) {
    refs = [...credentials.values()]
      .filter((c) => args.tenant.includes(c.tenantId))
      .map(({ tenantId, deviceId }) => ({ tenantId, deviceId }));
  }
  const jwksOf = new Map<string, { keys: PublicJwk[] }>();
  if (!refs || args["issue-credentials"]) {
    const handle = openDb(args, cfg);
    try {
      refs ??= await devicesFromDb(handle.db, args);
      if (args["issue-credentials"]) {
        // On Mosquitto with dynamic security (MQTT_DYNSEC=1) the issue provisions the accounts
        // there, with the service credential; the connection is not needed afterwards.
        await issueCredentials(handle.db, refs).finally(() => stopBrokerProvisioning());
      }
      // The database is at hand: the devices get their tenant's keys from it, as at registration.
      if (!fileJwks) {
        if (!cfg.AUTH_SECRET) {
          throw new Exit(2, "AUTH_SECRET is not set (it is needed to read the tenants' signing keys; or pass --jwks)");
        }
        for (const tenantId of new Set(refs.map((r) => r.tenantId))) {
          jwksOf.set(tenantId, await readTenantJwks(handle.db, tenantId, cfg.AUTH_SECRET));
        }
      }
    } finally {
      await handle.close();
    }
  }
  for (const ref of refs) {
    if (credentials) {
      const c = credentials.get(deviceMqttIdentity(ref.tenantId, ref.deviceId));
      if (!c)
        throw new Exit(1, `--credentials ${args.credentials}: no credentials for ${ref.tenantId}:${ref.deviceId}`);
      ref.password = c.password;
    }
    ref.jwks = fileJwks ?? jwksOf.get(ref.tenantId);
    ref.releaseKeys = releaseKeys;
  }
  const identity = credentials
    ? `their own credentials from ${args.credentials}`
    : args["issue-credentials"]
      ? "their own credentials, issued now"
      : `${cfg.MQTT_USERNAME ? "the shared MQTT_USERNAME login" : "no credentials"} (an open test broker only)`;
  const verifying = fileJwks
    ? `manifests verified against ${args.jwks}`
    : jwksOf.size > 0
      ? "manifests verified against their tenant's JWKS"
      : "NO manifest verification (pass --jwks)";
  const release = releaseKeys ? `, release signatures required (${releaseKeys.length} keys)` : "";
  return { refs, provisioned: `${identity}; ${verifying}${release}` };
}

function openDb(args: SimulateArgs, cfg: Config) {
  let url: string;
  try {
    url = requireDatabaseUrl(cfg);
  } catch (err) {
    const why = args["issue-credentials"]
      ? "to issue credentials"
      : `to read ${args.group ? "the group" : "the devices"}`;
    throw new Exit(2, `${(err as Error).message} (it is needed ${why}; or pass --devices or --credentials)`);
  }
  return createDb(url, { max: 1, name: "flotilla-simulator" });
}

async function devicesFromDb(db: Db, args: SimulateArgs): Promise<DeviceRef[]> {
  const found: DeviceRef[] = [];
  for (const tenantId of args.tenant) {
    try {
      const refs = await devicesToSimulate(db, tenantId, args.group);
      if (refs.length === 0) log(`tenant ${tenantId}: no devices${args.group ? ` in group ${args.group}` : ""}`);
      found.push(...refs);
    } catch (err) {
      if (err instanceof NotFound) throw new Exit(1, `tenant ${tenantId} has no device group "${args.group}"`);
      throw err;
    }
  }
  return found;
}

/** One set-based issue per tenant; the passwords live only in this process from now on. */
async function issueCredentials(db: Db, refs: DeviceRef[]): Promise<void> {
  for (const tenantId of new Set(refs.map((r) => r.tenantId))) {
    const mine = refs.filter((r) => r.tenantId === tenantId);
    let issued: Map<string, string>;
    try {
      issued = await issueSimulatorCredentials(
        db,
        tenantId,
        mine.map((r) => r.deviceId),
      );
    } catch (err) {
      if (err instanceof NotFound) throw new Exit(1, `tenant ${tenantId}: ${err.message}`);
      throw err;
    }
    for (const r of mine) r.password = issued.get(r.deviceId);
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

  const { refs, provisioned } = await loadDevices(args, cfg);
  if (stopping) return stopped;
  if (refs.length === 0) throw new Exit(1, "no devices to simulate");

  const fleet = new SimulatedFleet({
    devices: refs,
    // The shared login serves only devices without their own password (an open test broker).
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
  log(`connecting ${refs.length} simulated devices of ${tenants} to ${cfg.MQTT_URL} with ${provisioned}…`);
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
