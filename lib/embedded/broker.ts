import net from "node:net";
import { Aedes, type AuthenticateError, type Client } from "aedes";
import type postgres from "postgres";
import {
  DeviceAuthorizer,
  type DeviceAuthStats,
  type DevicePrincipal,
  type MqttPrincipal,
} from "@/lib/mqtt/device-auth";

/**
 * Where a refused device publish goes: a topic no device may subscribe to and no part of
 * Flotilla does, so the message reaches nobody. aedes closes the connection on an
 * authorizePublish error; MQTT 3.1.1 has no way to refuse a single PUBLISH, and a device
 * that loses its connection for one bad publish would only reconnect and retry. Mosquitto
 * drops such a message silently too (and still acknowledges it at QoS 1).
 */
export const REFUSED_PUBLISH_TOPIC = "$flotilla/refused";

/** The sweep's default: re-check connected devices' credentials every 30 s (a revocation bites within a minute). */
export const SWEEP_INTERVAL_MS = 30_000;

export interface EmbeddedBrokerStats extends DeviceAuthStats {
  /** Device connections the sweep closed because their credentials were revoked or replaced. */
  revoked_disconnects: number;
  sweeps: number;
  sweep_errors: number;
  connected_devices: number;
}

export interface DeviceAuthOptions {
  /** An owner connection (device credentials of every tenant); or pass `authorizer`. */
  sql?: postgres.Sql;
  authorizer?: DeviceAuthorizer;
  serviceUsername?: string;
  servicePassword?: string;
  /** How often connected devices' credentials are re-checked (default 30 s). */
  sweepIntervalMs?: number;
  /** The authorizer's credential cache TTL (≤ 30 s). */
  cacheTtlMs?: number;
}

export interface EmbeddedBroker {
  url: string;
  /** Device-auth counters; undefined for a broker without device auth. */
  stats: () => EmbeddedBrokerStats | undefined;
  /** Runs one revocation sweep now (tests; the timer runs it every `sweepIntervalMs`). */
  sweep: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * An MQTT broker inside this Node process (aedes), on loopback. aedes has no shared
 * subscriptions (`$share/...`).
 *
 * - With `deviceAuth`, it enforces device identity (lib/mqtt/device-auth.ts): anonymous
 *   clients are refused, a device connects only as itself with its current credentials and
 *   uses only its own two topics; a refused subscription gets return code 128, a refused
 *   publish is dropped; both are counted. A sweep disconnects devices whose credentials
 *   were revoked or replaced while they were connected.
 * - Otherwise, with a username and password, it refuses clients that do not present them;
 *   with neither it is open (the tests' shared broker).
 */
export async function startEmbeddedBroker(opts: {
  port: number;
  host?: string;
  username?: string;
  password?: string;
  deviceAuth?: DeviceAuthOptions;
  /** Refuses a publish when it returns an Error (aedes then drops the client's connection). */
  authorizePublish?: (topic: string) => Error | null;
}): Promise<EmbeddedBroker> {
  const host = opts.host ?? "127.0.0.1";
  const broker = await Aedes.createBroker();
  let guard: DeviceGuard | undefined;
  if (opts.deviceAuth) {
    guard = new DeviceGuard(broker, opts.deviceAuth);
  } else if (opts.username !== undefined) {
    broker.authenticate = (_client, username, password, done) => {
      const ok = username === opts.username && password?.toString() === (opts.password ?? "");
      done(null, ok);
    };
  }
  if (opts.authorizePublish) {
    const check = opts.authorizePublish;
    const before = broker.authorizePublish;
    broker.authorizePublish = (client, packet, done) =>
      before.call(broker, client, packet, (err) => done(err ?? check(packet.topic)));
  }
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: opts.port, host, backlog: 4096 }, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;
  return {
    url: `mqtt://${host}:${port}`,
    stats: () => guard?.stats(),
    sweep: async () => guard?.sweep(),
    close: async () => {
      guard?.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}

/** aedes' hooks over a DeviceAuthorizer, and the sweep over the connected devices. */
class DeviceGuard {
  private readonly authorizer: DeviceAuthorizer;
  /** Each authenticated client's principal: hooks after CONNECT decide from it without the database. */
  private readonly principals = new WeakMap<Client, MqttPrincipal>();
  /** Connected device clients, for the sweep. */
  private readonly devices = new Set<Client>();
  private readonly timer: NodeJS.Timeout;
  private sweeping: Promise<void> | null = null;
  private readonly counters = { revoked_disconnects: 0, sweeps: 0, sweep_errors: 0 };

  constructor(broker: Aedes, opts: DeviceAuthOptions) {
    if (!opts.authorizer && !opts.sql) throw new Error("deviceAuth needs `sql` or `authorizer`");
    this.authorizer =
      opts.authorizer ??
      new DeviceAuthorizer({
        sql: opts.sql!,
        serviceUsername: opts.serviceUsername,
        servicePassword: opts.servicePassword,
        cacheTtlMs: opts.cacheTtlMs,
      });

    broker.authenticate = (client, username, password, done) => {
      this.authorizer.authenticate(client.id, username, password).then(
        (verdict) => {
          if (!verdict.ok) return done(refusal(verdict.reason === "client-id" ? 2 : 4), false);
          this.principals.set(client, verdict.principal);
          if (verdict.principal.role === "device") this.devices.add(client);
          done(null, true);
        },
        // The database could not be asked: "server unavailable", and the device retries.
        () => done(refusal(3), false),
      );
    };
    broker.authorizeSubscribe = (client, sub, done) => {
      // null negates the subscription: SUBACK return code 128 for it, the connection stays.
      done(null, this.authorizer.maySubscribe(this.principals.get(client), sub.topic) ? sub : null);
    };
    broker.authorizePublish = (client, packet, done) => {
      const p = client && this.principals.get(client);
      // A will published after its client went away (client null) cannot be attributed: refused.
      if (!p) return done(new Error("publish without an authenticated client"));
      if (!this.authorizer.mayPublish(p, packet.topic)) {
        packet.topic = REFUSED_PUBLISH_TOPIC;
        packet.retain = false;
        packet.payload = Buffer.alloc(0);
      }
      done(null);
    };
    broker.on("clientDisconnect", (client) => this.devices.delete(client));
    broker.on("clientError", (client) => {
      if (client.closed) this.devices.delete(client);
    });
    this.timer = setInterval(() => void this.sweep(), opts.sweepIntervalMs ?? SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Re-checks every connected device's credentials in batched SELECTs and closes the
   * connections of those that lost them. A database error skips the round: a device is
   * never disconnected because the database could not be asked.
   */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  private async sweepOnce() {
    this.counters.sweeps++;
    const byPrincipal = new Map<DevicePrincipal, Client>();
    for (const c of this.devices) {
      if (c.closed) {
        this.devices.delete(c);
        continue;
      }
      const p = this.principals.get(c);
      if (p?.role === "device") byPrincipal.set(p, c);
    }
    if (byPrincipal.size === 0) return;
    try {
      for (const p of await this.authorizer.revoked([...byPrincipal.keys()])) {
        const client = byPrincipal.get(p)!;
        this.devices.delete(client);
        this.counters.revoked_disconnects++;
        client.close();
      }
    } catch {
      this.counters.sweep_errors++;
    }
  }

  stats(): EmbeddedBrokerStats {
    return { ...this.authorizer.stats(), ...this.counters, connected_devices: this.devices.size };
  }

  stop() {
    clearInterval(this.timer);
  }
}

function refusal(returnCode: 2 | 3 | 4): AuthenticateError {
  return Object.assign(new Error("connection refused"), { returnCode }) as AuthenticateError;
}
