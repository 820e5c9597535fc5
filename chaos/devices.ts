import { setTimeout as sleep } from "node:timers/promises";
import mqtt, { type MqttClient } from "mqtt";
import { commandTopic, OtaCommandPayload, statusTopic } from "@/lib/rollout/protocol";
import { isFinalDevice, type ReportStatus } from "@/lib/rules/statuses";
import { between, type Rng } from "./rng";

/**
 * The scripted fleet: one MQTT connection per device, each behaving as
 * docs/device-protocol.md asks (client id = device id, persistent session, subscribe on
 * every connect, one update per campaign, a repeated command answered with the latest
 * report, the latest report re-sent on every reconnect), but without the firmware
 * download of lib/simulator/ (5,000 HTTP downloads would measure the download, not the
 * engine). Each device keeps what the comparison needs: the commands it received, its
 * final report, whether the broker acknowledged that report (PUBACK), and the version
 * it runs.
 */

export const INSTALL_FAILURE = "Simulated install failure";

export interface Report {
  campaign_id: number;
  status: ReportStatus;
  progress: number;
  error: string | null;
  version?: string;
}

export interface DeviceRecord {
  deviceId: string;
  failing: boolean;
  /** Silent for longer than the campaign's device timeout during its install (the engine must probe it). */
  slow: boolean;
  initialVersion: string;
  /** The version running now. */
  version: string;
  /** Commands received, per campaign. */
  commands: Map<number, number>;
  /** The latest report (what a reconnect or a repeated command re-sends). */
  last: Report | null;
  final: "SUCCESS" | "FAILED" | null;
  /** The broker acknowledged (PUBACK) at least one copy of the final report. */
  finalAcked: boolean;
  busy: boolean;
  connects: number;
  /** When (epoch ms) each command arrived, the final report was first sent and first acknowledged. */
  commandsAt: number[];
  finalSentAt: number | null;
  finalAckedAt: number | null;
}

export interface FleetOptions {
  url: string;
  tenantId: string;
  deviceIds: string[];
  initialVersion: string;
  /** Devices whose install fails (deterministic: chosen by the scenario's seed). */
  failing: Set<string>;
  /** Devices that stay silent for `slowMs` before their final report (chosen by the seed too). */
  slow: Set<string>;
  slowMs: [number, number];
  /** Pause before each step of an update, drawn in [min, max) ms. */
  stepMs: [number, number];
  rng: Rng;
  /** Connections opened at once at the start. */
  concurrency?: number;
  log: (line: string) => void;
}

export interface FleetStats {
  connected: number;
  published: number;
  acked: number;
  publishErrors: number;
  reconnects: number;
  resentOnReconnect: number;
  answeredDuplicates: number;
}

class ScriptedDevice {
  readonly rec: DeviceRecord;
  private client: MqttClient | null = null;
  private readonly queue: OtaCommandPayload[] = [];
  private stopped = false;

  constructor(
    deviceId: string,
    private readonly fleet: ScriptedFleet,
    private readonly opts: FleetOptions,
  ) {
    this.rec = {
      deviceId,
      failing: opts.failing.has(deviceId),
      slow: opts.slow.has(deviceId),
      initialVersion: opts.initialVersion,
      version: opts.initialVersion,
      commands: new Map(),
      last: null,
      final: null,
      finalAcked: false,
      busy: false,
      connects: 0,
      commandsAt: [],
      finalSentAt: null,
      finalAckedAt: null,
    };
  }

  async start(): Promise<void> {
    const { rng } = this.opts;
    const client = mqtt.connect(this.opts.url, {
      clientId: this.rec.deviceId,
      clean: false,
      // Spread reconnects so that a restarted broker is not hit by the whole fleet in one millisecond.
      reconnectPeriod: Math.round(between(rng, 500, 2000)),
      connectTimeout: 10_000,
      keepalive: 60,
    });
    this.client = client;
    client.on("message", (_t, payload) => this.onCommand(payload));
    client.on("error", () => {});
    client.on("connect", () => {
      this.rec.connects++;
      if (this.rec.connects === 1) return;
      this.fleet.stats.reconnects++;
      client.subscribe(commandTopic(this.opts.tenantId, this.rec.deviceId), { qos: 1 });
      // The worker may have missed what was sent while the connection was down.
      if (this.rec.last) {
        this.fleet.stats.resentOnReconnect++;
        this.publish(this.rec.last);
      }
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.rec.deviceId}: no CONNACK within 30 s`)), 30_000);
      client.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await client.subscribeAsync(commandTopic(this.opts.tenantId, this.rec.deviceId), { qos: 1 });
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    const client = this.client;
    if (!client) return Promise.resolve();
    return client.endAsync(true).catch(() => {});
  }

  private onCommand(payload: Buffer) {
    let cmd: OtaCommandPayload;
    try {
      cmd = OtaCommandPayload.parse(JSON.parse(payload.toString("utf8")));
    } catch {
      this.opts.log(`${this.rec.deviceId}: ignored an invalid command`);
      return;
    }
    this.rec.commandsAt.push(Date.now());
    const n = (this.rec.commands.get(cmd.campaign_id) ?? 0) + 1;
    this.rec.commands.set(cmd.campaign_id, n);
    if (n > 1) {
      // A repeated command: never start again; answer with the latest report (if any yet).
      if (this.rec.last?.campaign_id === cmd.campaign_id) {
        this.fleet.stats.answeredDuplicates++;
        this.publish(this.rec.last);
      }
      return;
    }
    this.queue.push(cmd);
    if (!this.rec.busy) void this.drain();
  }

  private async drain() {
    this.rec.busy = true;
    try {
      for (let cmd = this.queue.shift(); cmd && !this.stopped; cmd = this.queue.shift()) await this.update(cmd);
    } finally {
      this.rec.busy = false;
    }
  }

  /** DOWNLOADING 0 → 50 → 100, INSTALLING 0, a reboot, then SUCCESS with the version, or FAILED. */
  private async update(cmd: OtaCommandPayload) {
    const id = cmd.campaign_id;
    const step = () => sleep(between(this.opts.rng, this.opts.stepMs[0], this.opts.stepMs[1]));
    this.report({ campaign_id: id, status: "DOWNLOADING", progress: 0, error: null });
    await step();
    if (this.stopped) return;
    this.report({ campaign_id: id, status: "DOWNLOADING", progress: 50, error: null });
    await step();
    if (this.stopped) return;
    this.report({ campaign_id: id, status: "DOWNLOADING", progress: 100, error: null });
    this.report({ campaign_id: id, status: "INSTALLING", progress: 0, error: null });
    await step();
    if (this.stopped) return;
    // The reboot into the new image; a slow device (a long flash erase) says nothing for
    // longer than the device timeout, so the worker must ask it before judging it.
    if (this.rec.slow) await sleep(between(this.opts.rng, this.opts.slowMs[0], this.opts.slowMs[1]));
    else await step();
    if (this.stopped) return;
    if (this.rec.failing) {
      this.rec.final = "FAILED";
      this.report({ campaign_id: id, status: "FAILED", progress: 0, error: INSTALL_FAILURE });
    } else {
      this.rec.version = cmd.version;
      this.rec.final = "SUCCESS";
      this.report({ campaign_id: id, status: "SUCCESS", progress: 100, error: null, version: cmd.version });
    }
  }

  private report(r: Report) {
    this.rec.last = r;
    this.publish(r);
  }

  private publish(r: Report) {
    const client = this.client;
    if (!client || this.stopped) return;
    const isFinal = isFinalDevice(r.status);
    if (isFinal) this.rec.finalSentAt ??= Date.now();
    this.fleet.stats.published++;
    // Not awaited: while the broker is away mqtt.js keeps QoS 1 messages and sends them on reconnect.
    client.publish(statusTopic(this.opts.tenantId, this.rec.deviceId), JSON.stringify(r), { qos: 1 }, (err) => {
      if (err) {
        if (!this.stopped) this.fleet.stats.publishErrors++;
        return;
      }
      this.fleet.stats.acked++;
      if (isFinal) {
        this.rec.finalAcked = true;
        this.rec.finalAckedAt ??= Date.now();
      }
    });
  }
}

export class ScriptedFleet {
  readonly stats: FleetStats = {
    connected: 0,
    published: 0,
    acked: 0,
    publishErrors: 0,
    reconnects: 0,
    resentOnReconnect: 0,
    answeredDuplicates: 0,
  };
  private readonly devices: ScriptedDevice[];

  constructor(private readonly opts: FleetOptions) {
    this.devices = opts.deviceIds.map((id) => new ScriptedDevice(id, this, opts));
  }

  get records(): DeviceRecord[] {
    return this.devices.map((d) => d.rec);
  }

  /** Connects every device, `concurrency` at a time; rejects if one cannot connect. */
  async start(): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < this.devices.length) {
        const d = this.devices[next++]!;
        await d.start();
        this.stats.connected++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.opts.concurrency ?? 100, this.devices.length) }, lane));
  }

  /** How many devices are in the middle of an update. */
  busy(): number {
    return this.devices.reduce((n, d) => n + (d.rec.busy ? 1 : 0), 0);
  }

  async stop(): Promise<void> {
    for (let i = 0; i < this.devices.length; i += 500) {
      await Promise.all(this.devices.slice(i, i + 500).map((d) => d.stop()));
    }
  }
}
