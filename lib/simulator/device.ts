import { setTimeout as sleep } from "node:timers/promises";
import mqtt, { type MqttClient } from "mqtt";
import { deviceMqttIdentity } from "@/lib/mqtt/identity";
import { commandTopic, OtaCommandPayload, statusTopic } from "@/lib/rollout/protocol";
import type { DeviceTrust } from "./trust";
import { runUpdate, type DeviceBehaviour, type DeviceReport } from "./update";

/**
 * One simulated device, behaving as docs/device-protocol.md asks of real firmware:
 * a persistent MQTT session under its own identity and credentials, one update at a
 * time, duplicate commands ignored, every manifest verified before anything is
 * downloaded, a streamed and verified download that resumes, forward-only reports,
 * and its latest report re-sent whenever it reconnects.
 */

export interface MqttTarget {
  url: string;
  /** A shared login, used only by devices without their own password (the open test broker's older tests). */
  username?: string;
  password?: string;
  /** Pause between reconnect attempts (default 1000 ms). */
  reconnectPeriodMs?: number;
}

export interface SimulatedDeviceOptions extends DeviceBehaviour, DeviceTrust {
  tenantId: string;
  deviceId: string;
  mqtt: MqttTarget;
  /** The firmware version the device runs before any update. */
  version?: string | null;
  log?: (line: string) => void;
}

export { CHECKSUM_MISMATCH, INSTALL_FAILURE, type DeviceBehaviour, type DeviceReport } from "./update";
export type { DeviceTrust } from "./trust";

const CONNECT_TIMEOUT_MS = 15_000;
/** Campaigns remembered as finished, so that a late duplicate of an old command is still ignored. */
const REMEMBERED_CAMPAIGNS = 100;

class Stopped extends Error {}

export class SimulatedDevice {
  readonly tenantId: string;
  readonly deviceId: string;
  private readonly opts: SimulatedDeviceOptions;
  private client: MqttClient | null = null;
  private current: { campaignId: number; last: DeviceReport | null } | null = null;
  /** Finished campaigns and their final report, re-sent when a duplicate command arrives. */
  private readonly finished = new Map<number, DeviceReport | null>();
  private readonly queue: OtaCommandPayload[] = [];
  private working: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private runningVersion: string | null;

  constructor(opts: SimulatedDeviceOptions) {
    this.opts = opts;
    this.tenantId = opts.tenantId;
    this.deviceId = opts.deviceId;
    this.runningVersion = opts.version ?? null;
  }

  /** The firmware version the device runs now. */
  get version(): string | null {
    return this.runningVersion;
  }

  /** The latest report for the current campaign (what a reconnect re-sends). */
  get lastReport(): DeviceReport | null {
    return this.current?.last ?? null;
  }

  /**
   * Connects (persistent session) and subscribes to the command topic. A device with its
   * own password connects as itself: client id = username = `{tenant}:{device}`. One
   * without keeps the older identity (client id = device id) and the target's shared login.
   */
  async start(): Promise<void> {
    const { url, reconnectPeriodMs } = this.opts.mqtt;
    const own = this.opts.password ? deviceMqttIdentity(this.tenantId, this.deviceId) : null;
    const client = mqtt.connect(url, {
      clientId: own ?? this.deviceId,
      username: own ?? this.opts.mqtt.username,
      password: own ? this.opts.password : this.opts.mqtt.password,
      clean: false,
      reconnectPeriod: reconnectPeriodMs ?? 1000,
      connectTimeout: CONNECT_TIMEOUT_MS,
    });
    this.client = client;
    let connectedOnce = false;
    client.on("message", (_topic, payload) => this.onCommand(payload));
    client.on("connect", () => {
      if (connectedOnce) this.resendLatest();
      connectedOnce = true;
    });
    client.on("error", (err) => {
      if (connectedOnce) this.log(`mqtt: ${err.message}`);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error("no answer from the broker")), CONNECT_TIMEOUT_MS);
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off("connect", onConnect);
        client.off("error", onError);
        if (!err) return resolve();
        client.end(true);
        reject(new Error(`${this.deviceId}: cannot connect to ${url}: ${err.message}`));
      };
      const onConnect = () => done();
      const onError = (err: Error) => done(err);
      client.on("connect", onConnect);
      client.on("error", onError);
    });
    // With a session kept by the broker this is already in place; subscribing again is harmless.
    const granted = await client.subscribeAsync(commandTopic(this.tenantId, this.deviceId), { qos: 1 });
    if (granted.some((g) => g.qos === 128)) {
      client.end(true);
      throw new Error(`${this.deviceId}: the broker refused the subscription to its command topic`);
    }
  }

  /**
   * Powers the device off: the update in progress stops where it is (nothing more is
   * reported, as when a real device loses power), and the connection closes. The
   * broker keeps the session, so commands sent meanwhile wait for the next start.
   */
  async stop(): Promise<void> {
    this.stopping.abort(new Stopped("device stopped"));
    this.queue.length = 0;
    await this.working;
    const client = this.client;
    if (!client) return;
    // end(false) waits for unacknowledged publishes, forever if the broker is gone.
    await Promise.race([client.endAsync(false), sleep(2000)]);
    if (!client.disconnected) await client.endAsync(true);
  }

  /** Breaks the connection as a network fault would; the client reconnects on its own. For tests. */
  dropConnection(): void {
    this.client?.stream?.destroy();
  }

  /** Resolves once no command is queued or being worked on. */
  async idle(): Promise<void> {
    while (this.working) await this.working;
  }

  private log(line: string) {
    this.opts.log?.(`${this.deviceId}: ${line}`);
  }

  private onCommand(payload: Buffer) {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      return this.log("ignored a command that is not JSON");
    }
    const parsed = OtaCommandPayload.safeParse(json);
    if (!parsed.success) {
      const campaignId = (json as { campaign_id?: unknown } | null)?.campaign_id;
      this.log(
        `ignored an invalid command: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
      );
      // A command we can attribute to a campaign gets an answer, so that the campaign does not wait for a timeout.
      if (typeof campaignId === "number" && Number.isInteger(campaignId) && campaignId > 0 && !this.known(campaignId)) {
        this.remember(campaignId);
        this.publish({ campaign_id: campaignId, status: "FAILED", progress: 0, error: "Invalid command" });
      }
      return;
    }
    const cmd = parsed.data;
    if (this.known(cmd.campaign_id)) {
      // A duplicate: never start again, but answer with the latest report, because a
      // re-sent command usually means the worker restarted and may have missed it.
      const last =
        this.current?.campaignId === cmd.campaign_id ? this.current.last : this.finished.get(cmd.campaign_id);
      this.log(`duplicate command for campaign ${cmd.campaign_id}: ${last ? `re-sending ${last.status}` : "ignored"}`);
      if (last) this.publish(last);
      return;
    }
    if (this.queue.some((q) => q.campaign_id === cmd.campaign_id)) {
      return this.log(`ignored a duplicate command for queued campaign ${cmd.campaign_id}`);
    }
    this.queue.push(cmd);
    this.working ??= this.drain();
  }

  /** Running or finished: a command for such a campaign is a duplicate. */
  private known(campaignId: number): boolean {
    return this.current?.campaignId === campaignId || this.finished.has(campaignId);
  }

  /** One update at a time: a command for another campaign waits until the current one is over. */
  private async drain() {
    try {
      for (let cmd = this.queue.shift(); cmd && !this.stopping.signal.aborted; cmd = this.queue.shift()) {
        if (this.known(cmd.campaign_id)) continue;
        try {
          await this.update(cmd);
        } catch (err) {
          if (!(this.stopping.signal.reason instanceof Stopped)) this.log(`update failed unexpectedly: ${String(err)}`);
        }
      }
    } finally {
      this.working = null;
    }
  }

  private async update(cmd: OtaCommandPayload) {
    const campaignId = cmd.campaign_id;
    this.current = { campaignId, last: null };
    try {
      const version = await runUpdate(cmd, {
        tenantId: this.tenantId,
        deviceId: this.deviceId,
        trust: { jwks: this.opts.jwks, releaseKeys: this.opts.releaseKeys },
        runningVersion: this.runningVersion,
        behaviour: this.opts,
        signal: this.stopping.signal,
        report: (r) => this.report(r),
        log: (line) => this.log(line),
      });
      if (version) this.runningVersion = version;
    } finally {
      // Over, or stopped part-way: its duplicates never start it again.
      this.remember(campaignId, this.current?.campaignId === campaignId ? this.current.last : null);
    }
  }

  /** A campaign that is over: its duplicates are answered with `last`, never run again. */
  private remember(campaignId: number, last: DeviceReport | null = null) {
    this.finished.set(campaignId, last);
    if (this.finished.size > REMEMBERED_CAMPAIGNS) this.finished.delete(this.finished.keys().next().value!);
  }

  private report(report: DeviceReport) {
    if (this.current?.campaignId === report.campaign_id) this.current.last = report;
    this.publish(report);
  }

  /** On reconnect: the worker may have missed anything sent while we were away; the latest report says it all. */
  private resendLatest() {
    const last = this.lastReport;
    if (!last) return;
    this.log(`reconnected: re-sending ${last.status} for campaign ${last.campaign_id}`);
    this.publish(last);
  }

  private publish(report: DeviceReport) {
    const client = this.client;
    if (!client || client.disconnecting) return;
    // Not awaited: while offline, mqtt.js queues QoS 1 messages and sends them on reconnect.
    client.publish(statusTopic(this.tenantId, this.deviceId), JSON.stringify(report), { qos: 1 }, (err) => {
      if (err && !this.stopping.signal.aborted) this.log(`publish failed: ${err.message}`);
    });
  }
}
