import { randomBytes } from "node:crypto";
import type { MqttClient } from "mqtt";
import { BrokerUnavailable } from "@/lib/errors";
import { commandTopic, sharedStatusFilter, statusFilter, statusTopic } from "@/lib/rollout/protocol";
import { connectMqtt } from "./client";
import { deviceMqttIdentity, hashDeviceSecret } from "./identity";
import type { BrokerProvisioner, DeviceAccount } from "./provisioning";

/**
 * Mosquitto 2's dynamic-security plugin, driven over its topic API: JSON commands published
 * to `$CONTROL/dynamic-security/v1`, answers on `…/v1/response` (docs/mosquitto-dynsec.md).
 *
 * A device is a dynsec client (username = client id = `{tenant}:{device}`) with a role of its
 * own, `device:{tenant}:{device}`, holding exactly its two topics. A role per device because
 * dynsec's ACLs cannot derive `tenant/{t}/device/{d}/…` from a username that joins both with
 * ':' (and Mosquitto 2.0 substitutes no %u/%c in them at all).
 */
export const CONTROL_TOPIC = "$CONTROL/dynamic-security/v1";
export const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
/** The role the service credential (MQTT_USERNAME) gets: what the worker and the provisioner need, nothing else. */
export const SERVICE_ROLE = "flotilla-service";
/** Starts the textname of every client and role Flotilla made, so that mqtt:sync touches nothing else. */
export const DEVICE_MARK = "flotilla-device";

export const deviceRoleName = (tenantId: string, deviceId: string) =>
  `device:${deviceMqttIdentity(tenantId, deviceId)}`;

export interface DynsecAcl {
  acltype: string;
  topic: string;
  allow: boolean;
  priority?: number;
}

/** A device's whole grant: subscribe to and receive its commands (the exact topic), publish its status. */
export function deviceAcls(tenantId: string, deviceId: string): DynsecAcl[] {
  return [
    { acltype: "subscribeLiteral", topic: commandTopic(tenantId, deviceId), allow: true },
    { acltype: "publishClientReceive", topic: commandTopic(tenantId, deviceId), allow: true },
    { acltype: "publishClientSend", topic: statusTopic(tenantId, deviceId), allow: true },
  ];
}

/**
 * The service's grant: send every command, take every report (plain and shared subscription,
 * as the worker chooses), and administer dynamic security (which is the power to grant itself
 * anything: the service credential is an administrator's and never leaves our processes).
 */
export function serviceAcls(): DynsecAcl[] {
  const control = "$CONTROL/dynamic-security/#";
  return [
    { acltype: "publishClientSend", topic: commandTopic("+", "+"), allow: true },
    { acltype: "subscribePattern", topic: statusFilter(), allow: true },
    { acltype: "subscribePattern", topic: sharedStatusFilter(), allow: true },
    { acltype: "publishClientReceive", topic: statusFilter(), allow: true },
    { acltype: "publishClientSend", topic: control, allow: true },
    { acltype: "subscribePattern", topic: control, allow: true },
    { acltype: "publishClientReceive", topic: control, allow: true },
  ];
}

/**
 * What nobody's role grants is refused, receiving included: Mosquitto's own default lets any
 * client receive whatever it managed to subscribe to; with receipt denied too, a mistake in a
 * subscribe grant still leaks nothing. Every role Flotilla makes grants its receipts explicitly.
 */
export const DEFAULT_ACL_ACCESS = [
  { acltype: "publishClientSend", allow: false },
  { acltype: "publishClientReceive", allow: false },
  { acltype: "subscribe", allow: false },
  { acltype: "unsubscribe", allow: true },
] as const;

/**
 * A client's textname: the mark, the first 16 hex digits of its secret's SHA-256 (the hash the
 * database keeps, so mqtt:sync can tell a stale account from a current one without any
 * password; 64 bits of a hash of a 256-bit secret reveal nothing useful) and when it was set.
 */
export const deviceTextname = (password: string, at = Date.now()) =>
  `${DEVICE_MARK} ${hashDeviceSecret(password).slice(0, 16)} ${Math.floor(at / 1000)}`;

export function parseDeviceTextname(s: unknown): { fingerprint: string; issuedAt: number } | null {
  const m = typeof s === "string" ? /^flotilla-device ([0-9a-f]{16}) (\d+)$/.exec(s) : null;
  return m ? { fingerprint: m[1]!, issuedAt: Number(m[2]) * 1000 } : null;
}

export type DynsecCommand = { command: string } & Record<string, unknown>;
export interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
}

export interface DynsecOptions {
  url: string;
  username?: string;
  password?: string;
  /** How long one message may go unanswered before the call fails (default 30 s). */
  timeoutMs?: number;
  /**
   * How long one message should keep the broker busy (default 500 ms). Mosquitto 2.0 rewrites
   * its whole JSON file after every command that changes something, in its only thread, so a
   * command costs time in proportion to the accounts it holds; messages are sized from the
   * last one's pace so that the broker is never stalled for long (docs/mosquitto-dynsec.md).
   */
  targetMessageMs?: number;
  /** The most commands in one message (default 500). */
  maxCommands?: number;
}

/** The broker closed the connection before it answered (what it does to a client whose own roles change). */
class ConnectionLost extends BrokerUnavailable {
  constructor() {
    super("The MQTT broker closed the connection before confirming a change.");
  }
}

/** One connection to the dynamic-security API; calls are queued and answered in order. */
export class Dynsec {
  private readonly pending = new Map<string, { resolve: (r: DynsecResponse[]) => void; reject: (e: Error) => void }>();
  private readonly id = randomBytes(4).toString("hex");
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** Commands per message, adapted to the broker's pace (see targetMessageMs). */
  private chunk = 50;
  /** Resolves while the connection is up with its response subscription in place. */
  private ready: Promise<void> = Promise.resolve();
  private down = false;

  private constructor(
    private readonly client: MqttClient,
    private readonly opts: DynsecOptions,
  ) {
    client.on("message", (topic, payload) => {
      if (topic !== RESPONSE_TOPIC) return;
      let body: { responses?: (DynsecResponse & { correlationData?: string })[] };
      try {
        body = JSON.parse(payload.toString());
      } catch {
        return;
      }
      const key = body.responses?.[0]?.correlationData?.replace(/\.\d+$/, "");
      const waiter = key ? this.pending.get(key) : undefined;
      if (!waiter || !key) return; // another administrator's answer
      this.pending.delete(key);
      waiter.resolve(body.responses!);
    });
    client.on("close", () => {
      for (const [key, w] of this.pending) {
        this.pending.delete(key);
        w.reject(new ConnectionLost());
      }
      if (this.down) return;
      // mqtt.js reconnects on its own, but may flush queued publishes before it subscribes
      // again: commands wait for the response subscription, or their answers would be lost.
      this.down = true;
      this.ready = new Promise((resolve) =>
        client.once("connect", () => {
          this.down = false;
          client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 }).then(
            () => resolve(),
            () => resolve(),
          );
        }),
      );
    });
  }

  static async connect(opts: DynsecOptions): Promise<Dynsec> {
    let client: MqttClient;
    try {
      // MQTT 5: a refused PUBLISH to $CONTROL comes back as an error instead of vanishing.
      client = await connectMqtt({ ...opts, clientIdPrefix: "flotilla-dynsec", protocol: 5 });
    } catch (err) {
      throw new BrokerUnavailable(`Cannot connect to the MQTT broker at ${opts.url}: ${(err as Error).message}`);
    }
    try {
      await client.subscribeAsync(RESPONSE_TOPIC, { qos: 1 });
    } catch (err) {
      await client.endAsync(true);
      throw new BrokerUnavailable(
        `The broker refused ${RESPONSE_TOPIC} to ${opts.username ?? "an anonymous client"} (${(err as Error).message}): ` +
          `MQTT_USERNAME must be a dynamic-security client allowed to use $CONTROL/dynamic-security/#.`,
      );
    }
    return new Dynsec(client, opts);
  }

  /** Runs the commands in order, in as many messages as their cost needs; answers one response per command. */
  run(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const result = this.queue.then(() => this.runNow(commands));
    this.queue = result.catch(() => {});
    return result;
  }

  private async runNow(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const out: DynsecResponse[] = [];
    const target = this.opts.targetMessageMs ?? 500;
    const max = this.opts.maxCommands ?? 500;
    for (let i = 0; i < commands.length;) {
      const part = commands.slice(i, i + this.chunk);
      const started = performance.now();
      out.push(...(await this.send(part)));
      const perCommand = (performance.now() - started) / part.length;
      this.chunk = Math.max(1, Math.min(max, Math.floor(target / Math.max(perCommand, 0.01))));
      i += part.length;
    }
    return out;
  }

  private async send(commands: DynsecCommand[]): Promise<DynsecResponse[]> {
    const key = `${this.id}.${++this.seq}`;
    const body = JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: `${key}.${i}` })) });
    const answered = new Promise<DynsecResponse[]>((resolve, reject) => this.pending.set(key, { resolve, reject }));
    answered.catch(() => {}); // observed below, or dropped after a failed publish
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BrokerUnavailable(
              `The MQTT broker did not answer on ${RESPONSE_TOPIC} within ${timeoutMs} ms: ` +
                `is Mosquitto's dynamic-security plugin loaded?`,
            ),
          ),
        timeoutMs,
      );
    });
    const exchange = async () => {
      await this.ready;
      await this.client.publishAsync(CONTROL_TOPIC, body, { qos: 1 }).catch((err: Error) => {
        throw new BrokerUnavailable(
          `The broker refused a dynamic-security command (${err.message}): may MQTT_USERNAME use $CONTROL/dynamic-security/#?`,
        );
      });
      return answered;
    };
    try {
      const responses = await Promise.race([exchange(), timedOut]);
      if (responses.length !== commands.length) {
        throw new BrokerUnavailable(
          `Mosquitto answered ${responses.length} of ${commands.length} dynamic-security commands.`,
        );
      }
      return responses;
    } finally {
      clearTimeout(timer);
      this.pending.delete(key);
    }
  }

  /** Like run(), but every error a command reports (other than those `tolerated`) fails the call. */
  async runOrThrow(commands: DynsecCommand[], tolerated: string[] = []): Promise<DynsecResponse[]> {
    const responses = await this.run(commands);
    const failed = responses
      .map((r, i) => ({ r, c: commands[i]! }))
      .filter(({ r }) => r.error && !tolerated.includes(r.error));
    if (failed.length > 0) throw refused(failed);
    return responses;
  }

  /** Resolves once connected (again: mqtt.js reconnects on its own and renews the subscription). */
  connected(timeoutMs = 10_000): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off("connect", onConnect);
        reject(new BrokerUnavailable(`No connection to the MQTT broker at ${this.opts.url} within ${timeoutMs} ms.`));
      }, timeoutMs);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once("connect", onConnect);
    });
  }

  close(): Promise<void> {
    return this.client.endAsync().then(() => {});
  }
}

function refused(failed: { r: DynsecResponse; c: DynsecCommand }[]): BrokerUnavailable {
  const shown = failed
    .slice(0, 5)
    .map(({ r, c }) => `${c.command} ${String(c.username ?? c.rolename ?? "")}: ${r.error}`)
    .join("; ");
  return new BrokerUnavailable(
    `Mosquitto refused ${failed.length} dynamic-security command(s): ${shown}${failed.length > 5 ? "; …" : ""}`,
  );
}

const CLIENT_NOT_FOUND = "Client not found";
const ROLE_NOT_FOUND = "Role not found";
const ROLE_EXISTS = "Role already exists";

const createDeviceRole = (a: DeviceAccount): DynsecCommand => ({
  command: "createRole",
  rolename: deviceRoleName(a.tenantId, a.deviceId),
  textname: DEVICE_MARK,
  acls: deviceAcls(a.tenantId, a.deviceId),
});

/**
 * Creates the service role (or puts its ACLs back), gives it to the service client and sets
 * the default access: idempotent, and writes nothing when all is in place. Run by the
 * provisioner on its first connection and by mqtt:sync.
 */
export async function ensureServiceSetup(
  d: Dynsec,
  serviceUsername: string | undefined,
  attempt = 0,
): Promise<string[]> {
  if (!serviceUsername) throw new BrokerUnavailable("MQTT_USERNAME is not set: Mosquitto dynamic security needs it.");
  const [, role, client, defaults] = await d.runOrThrow(
    [
      { command: "createRole", rolename: SERVICE_ROLE, textname: "Flotilla service", acls: serviceAcls() },
      { command: "getRole", rolename: SERVICE_ROLE },
      { command: "getClient", username: serviceUsername },
      { command: "getDefaultACLAccess" },
    ],
    [ROLE_EXISTS],
  );
  const changes: DynsecCommand[] = [];
  const acls = (role!.data?.role as { acls?: DynsecAcl[] } | undefined)?.acls ?? [];
  if (!sameAcls(acls, serviceAcls()))
    changes.push({ command: "modifyRole", rolename: SERVICE_ROLE, acls: serviceAcls() });
  const roles = (client!.data?.client as { roles?: { rolename: string }[] } | undefined)?.roles ?? [];
  if (!roles.some((r) => r.rolename === SERVICE_ROLE)) {
    changes.push({ command: "addClientRole", username: serviceUsername, rolename: SERVICE_ROLE });
  }
  const current = (defaults!.data?.acls as { acltype: string; allow: boolean }[] | undefined) ?? [];
  if (!DEFAULT_ACL_ACCESS.every((a) => current.some((c) => c.acltype === a.acltype && c.allow === a.allow))) {
    changes.push({ command: "setDefaultACLAccess", acls: DEFAULT_ACL_ACCESS });
  }
  if (changes.length === 0) return [];
  try {
    await d.runOrThrow(changes);
  } catch (err) {
    // Changing the roles of the very client that asks makes Mosquitto disconnect it, answer
    // unsent: reconnect and look again (the second look finds the change made).
    if (!(err instanceof ConnectionLost) || attempt >= 2) throw err;
    await d.connected();
    await ensureServiceSetup(d, serviceUsername, attempt + 1);
  }
  return changes.map((c) => c.command);
}

/** Same ACLs, order and priority 0 aside (Mosquitto lists them its own way). */
export function sameAcls(a: DynsecAcl[], b: DynsecAcl[]): boolean {
  const key = (x: DynsecAcl) => `${x.acltype} ${x.topic} ${x.allow} ${x.priority ?? 0}`;
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.length === sb.length && sa.every((k, i) => k === sb[i]);
}

export interface DynsecProvisioner extends BrokerProvisioner {
  /** The connection, opened (and the service role checked) on first use. */
  connection(): Promise<Dynsec>;
  close(): Promise<void>;
}

/**
 * The BrokerProvisioner for Mosquitto with dynamic security. An upsert reads first (reads
 * cost the broker nothing) and then writes only what is missing: a new device costs two
 * commands (its role, its client); a re-key one (`modifyClient`, which in Mosquitto 2.0
 * disconnects whoever is connected under that username at once), two if mqtt:sync had
 * disabled the client. If the broker refuses anything, the accounts this call created are
 * removed again (best effort) and BrokerUnavailable is thrown: the caller's transaction
 * rolls back and no credentials are handed out.
 */
export function dynsecProvisioner(opts: DynsecOptions): DynsecProvisioner {
  let connecting: Promise<Dynsec> | undefined;
  const connection = () => {
    connecting ??= (async () => {
      const d = await Dynsec.connect(opts);
      try {
        await ensureServiceSetup(d, opts.username);
      } catch (err) {
        await d.close().catch(() => {});
        throw err;
      }
      return d;
    })();
    // A failed connection is tried again by the next call, not remembered.
    connecting.catch(() => (connecting = undefined));
    return connecting;
  };

  const remove = async (d: Dynsec, accounts: DeviceAccount[]) => {
    await d.runOrThrow(
      accounts.flatMap((a) => [
        { command: "deleteClient", username: deviceMqttIdentity(a.tenantId, a.deviceId) },
        { command: "deleteRole", rolename: deviceRoleName(a.tenantId, a.deviceId) },
      ]),
      [CLIENT_NOT_FOUND, ROLE_NOT_FOUND],
    );
  };

  return {
    connection,
    async upsert(accounts) {
      if (accounts.length === 0) return;
      const d = await connection();
      const at = Date.now();
      // Round 1: each device's role (refused without a write when it exists) and its client as it stands.
      const found = await d.runOrThrow(
        accounts.flatMap((a) => [
          createDeviceRole(a),
          { command: "getClient", username: deviceMqttIdentity(a.tenantId, a.deviceId) },
        ]),
        [ROLE_EXISTS, CLIENT_NOT_FOUND],
      );
      // Round 2: create the missing clients, re-key (and re-enable) the existing ones.
      const created: DeviceAccount[] = [];
      const writes = accounts.flatMap((a, i): DynsecCommand[] => {
        const username = deviceMqttIdentity(a.tenantId, a.deviceId);
        const fields = {
          username,
          clientid: username,
          password: a.password,
          textname: deviceTextname(a.password, at),
          roles: [{ rolename: deviceRoleName(a.tenantId, a.deviceId) }],
        };
        const existing = found[2 * i + 1]!.data?.client as { disabled?: boolean } | undefined;
        if (!existing) {
          created.push(a);
          return [{ command: "createClient", ...fields }];
        }
        return [
          { command: "modifyClient", ...fields },
          ...(existing.disabled ? [{ command: "enableClient", username }] : []),
        ];
      });
      try {
        await d.runOrThrow(writes);
      } catch (err) {
        await remove(d, created).catch(() => {});
        throw err;
      }
    },
    async remove(accounts) {
      if (accounts.length === 0) return;
      await remove(await connection(), accounts);
    },
    async close() {
      const c = connecting;
      connecting = undefined;
      if (c) await (await c.catch(() => undefined))?.close();
    },
  };
}
