import { parseArgs } from "node:util";

export interface BenchArgs {
  /** Devices in the benchmark tenant's fleet (and campaign). */
  devices: number;
  /** Rows / messages for the raw ceilings and the in-process engine diagnostics (capped: a rate is a rate). */
  sample: number;
  /** Devices whose reports the in-process applyReports diagnostic sends (three each). */
  applySample: number;
  /** Devices that report in the ingestion flood (three reports each); all by default. */
  flood: number;
  /** The broker when MQTT_URL is not set: aedes (the embedded default) or a mosquitto started for the run. */
  broker: "aedes" | "mosquitto";
  /** Publisher connections for the ingestion flood. */
  publishers: number;
  /** Outstanding QoS 1 publishes per connection (the engine's dispatch window is 500). */
  window: number;
  /** The worker's tick during the flood (the product's default; the dispatch phase uses 100 ms). */
  ingestTickMs: number;
  /** Pause between two API probe requests. */
  probeGapMs: number;
  /** Where the result files go. */
  out: string;
  /** Write bench/results/latest.* even for a non-default run. */
  latest: boolean;
  /** One figure alone (`download`, `reconnect`, `dispatch`: signed beside unsigned): its own result files, never latest.*. */
  only: "all" | "download" | "reconnect" | "dispatch";
  /** Devices of the reconnect storm (bench/reconnect.ts). */
  reconnectDevices: number;
  /** Concurrent clients of the device-download figure, one download each per round. */
  downloadClients: number;
  /** Size of the stored firmware those clients download, in MiB. */
  downloadMib: number;
}

const USAGE = `npm run bench -- [--devices 100000] [--sample 100000] [--apply-sample 20000] [--flood DEVICES]
                    [--broker aedes|mosquitto]
                    [--publishers 4] [--window 500] [--probe-gap-ms 5] [--ingest-tick-ms 10000]
                    [--download-clients 200] [--download-mib 16] [--reconnect-devices 10000]
                    [--only download|reconnect|dispatch]
                    [--out bench/results] [--latest]
DATABASE_URL / MQTT_URL: use those servers (a database of its own is created and dropped).`;

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: "string", default: "100000" },
      sample: { type: "string" },
      "apply-sample": { type: "string" },
      flood: { type: "string" },
      broker: { type: "string", default: "aedes" },
      publishers: { type: "string", default: "4" },
      window: { type: "string", default: "500" },
      "probe-gap-ms": { type: "string", default: "5" },
      "ingest-tick-ms": { type: "string", default: "10000" },
      out: { type: "string", default: "bench/results" },
      latest: { type: "boolean", default: false },
      only: { type: "string", default: "all" },
      "download-clients": { type: "string", default: "200" },
      "download-mib": { type: "string", default: "16" },
      "reconnect-devices": { type: "string", default: "10000" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, v: string | undefined, min: number, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be an integer from ${min} to ${max}\n${USAGE}`);
    return n;
  };
  const devices = int("devices", values.devices, 1000, 10_000_000);
  if (values.broker !== "aedes" && values.broker !== "mosquitto")
    throw new Error(`--broker must be aedes or mosquitto\n${USAGE}`);
  if (values.only !== "all" && values.only !== "download" && values.only !== "reconnect" && values.only !== "dispatch")
    throw new Error(`--only must be download, reconnect or dispatch\n${USAGE}`);
  const sample = int("sample", values.sample ?? String(Math.min(devices, 100_000)), 1000, 10_000_000);
  return {
    devices,
    sample,
    applySample: int("apply-sample", values["apply-sample"] ?? String(Math.min(sample, 20_000)), 1000, sample),
    flood: int("flood", values.flood ?? String(devices), 1000, devices),
    broker: values.broker,
    publishers: int("publishers", values.publishers, 1, 64),
    window: int("window", values.window, 1, 10_000),
    probeGapMs: int("probe-gap-ms", values["probe-gap-ms"], 0, 10_000),
    ingestTickMs: int("ingest-tick-ms", values["ingest-tick-ms"], 100, 3_600_000),
    out: values.out!,
    latest: values.latest!,
    only: values.only,
    downloadClients: int("download-clients", values["download-clients"], 1, 1000),
    downloadMib: int("download-mib", values["download-mib"], 1, 256),
    // Two sockets per device on this machine (client and broker), within one process's descriptors.
    reconnectDevices: int("reconnect-devices", values["reconnect-devices"], 100, 18_000),
  };
}
