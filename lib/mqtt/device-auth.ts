import { createHash, timingSafeEqual } from "node:crypto";
import type postgres from "postgres";
import {
  deviceMayPublish,
  deviceMaySubscribe,
  deviceMqttIdentity,
  deviceSecretMatches,
  parseDeviceMqttIdentity,
} from "./identity";

/**
 * Who a broker connection is, once authenticated: our own service (the worker, the
 * simulator's fleet, scripts), which may do anything, or one device, which may use only
 * its own two topics (lib/mqtt/identity.ts). `credentialsVersion` is the version the
 * device authenticated against, so that a sweep can tell when it has been re-keyed.
 */
export type MqttPrincipal =
  { role: "service" } | { role: "device"; tenantId: string; deviceId: string; credentialsVersion: number };
export type DevicePrincipal = Extract<MqttPrincipal, { role: "device" }>;

export type ConnectRefusal = "anonymous" | "not-a-device" | "client-id" | "credentials";
export type ConnectVerdict = { ok: true; principal: MqttPrincipal } | { ok: false; reason: ConnectRefusal };

export interface DeviceAuthStats {
  connects_allowed: number;
  connects_refused: number;
  subscriptions_refused: number;
  publishes_refused: number;
  /** Device credential look-ups, and how many the cache answered without the database. */
  lookups: number;
  cache_hits: number;
  /** SELECTs sent for connects (each covers a whole batch of look-ups), and for revocation checks. */
  lookup_queries: number;
  revocation_queries: number;
  cache_size: number;
}

export interface DeviceAuthorizerOptions {
  /** An owner connection: the look-up crosses tenants, like the worker's ingestion. Read-only. */
  sql: postgres.Sql;
  /** The service credential (MQTT_USERNAME / MQTT_PASSWORD); without it no client is a service. */
  serviceUsername?: string;
  servicePassword?: string;
  /** How long a found credential is trusted without asking again (≤ 30 s; the sweep covers the rest). */
  cacheTtlMs?: number;
  /** How long a failed look-up (no such device, wrong password) stands before the database is asked again. */
  retryAfterMs?: number;
  /** Most entries kept (least recently used go first). */
  maxEntries?: number;
  /** Look-ups arriving within this window share one SELECT. */
  batchWindowMs?: number;
  /** Most devices one SELECT asks for. */
  maxBatch?: number;
}

interface Entry {
  /** Null: no such device, or its credentials were revoked. */
  hash: string | null;
  version: number;
  fetchedAt: number;
}

interface Key {
  tenantId: string;
  deviceId: string;
}

const MAX_TTL_MS = 30_000;
/** Look-up batches at the database at once: enough to overlap a round trip, few enough to let batches fill. */
const MAX_INFLIGHT = 2;
const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest();
/** Equal strings, compared in constant time (over their hashes, so that lengths do not leak either). */
export const secretEquals = (a: string, b: string) => timingSafeEqual(sha256(a), sha256(b));

/**
 * The broker-side rule of device identity, one home for every broker that asks Flotilla
 * (the embedded aedes, EMQX's HTTP hooks): who may connect, and what each may subscribe
 * and publish to.
 *
 * Device credentials come from the database through a bounded LRU cache, and concurrent
 * look-ups arriving within a few milliseconds share one `SELECT … JOIN unnest(…)`: a
 * reconnect storm of N devices costs about N / batch queries, and a device reconnecting
 * within the TTL costs none. A found credential is trusted for at most 30 s; a re-key or a
 * deletion inside that window is caught by `revoked()`, which a broker runs over its
 * connected devices (lib/embedded/broker.ts), so a revocation takes effect within a minute.
 * A failed look-up is asked again only after `retryAfterMs`, so a client hammering with a
 * wrong password does not become a query per attempt, while a device given new
 * credentials gets in within a second.
 */
export class DeviceAuthorizer {
  private readonly sql: postgres.Sql;
  private readonly service?: { username: string; password: string };
  private readonly ttlMs: number;
  private readonly retryAfterMs: number;
  private readonly maxEntries: number;
  private readonly batchWindowMs: number;
  private readonly maxBatch: number;
  /** Insertion order is recency order: a hit is re-inserted, the oldest key is evicted first. */
  private readonly cache = new Map<string, Entry>();
  private pending = new Map<string, { key: Key; waiters: ((e: Entry | Error) => void)[] }>();
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly counters = {
    connects_allowed: 0,
    connects_refused: 0,
    subscriptions_refused: 0,
    publishes_refused: 0,
    lookups: 0,
    cache_hits: 0,
    lookup_queries: 0,
    revocation_queries: 0,
  };
  private inflight = 0;

  constructor(opts: DeviceAuthorizerOptions) {
    this.sql = opts.sql;
    if (opts.serviceUsername && opts.servicePassword)
      this.service = { username: opts.serviceUsername, password: opts.servicePassword };
    this.ttlMs = Math.min(opts.cacheTtlMs ?? MAX_TTL_MS, MAX_TTL_MS);
    this.retryAfterMs = opts.retryAfterMs ?? 1000;
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.batchWindowMs = opts.batchWindowMs ?? 3;
    this.maxBatch = opts.maxBatch ?? 1000;
  }

  /**
   * CONNECT: the service credential, or a device connecting as itself (client id =
   * username = `{tenant}:{device}`) with its current password. Rejects (throws) only when
   * the database cannot be asked: the broker then answers "server unavailable", not "bad
   * credentials".
   */
  async authenticate(
    clientId: string,
    username: string | undefined,
    password: string | Buffer | undefined,
  ): Promise<ConnectVerdict> {
    const verdict = await this.check(clientId, username, password);
    if (verdict.ok) this.counters.connects_allowed++;
    else this.counters.connects_refused++;
    return verdict;
  }

  private async check(
    clientId: string,
    username: string | undefined,
    password: string | Buffer | undefined,
  ): Promise<ConnectVerdict> {
    if (!username || password === undefined) return { ok: false, reason: "anonymous" };
    const secret = typeof password === "string" ? password : password.toString("utf8");
    if (this.service && username === this.service.username)
      return secretEquals(secret, this.service.password)
        ? { ok: true, principal: { role: "service" } }
        : { ok: false, reason: "credentials" };
    const id = parseDeviceMqttIdentity(username);
    if (!id) return { ok: false, reason: "not-a-device" };
    // A device connects only as itself: with another client id it could take over (and
    // so disconnect) another device's session.
    if (clientId !== username) return { ok: false, reason: "client-id" };
    this.counters.lookups++;
    const now = Date.now();
    let entry = this.cached(username, now);
    if (entry && deviceSecretMatches(secret, entry.hash)) this.counters.cache_hits++;
    else if (entry && now - entry.fetchedAt < this.retryAfterMs) this.counters.cache_hits++;
    else entry = await this.fetch(username, id);
    if (!deviceSecretMatches(secret, entry.hash)) return { ok: false, reason: "credentials" };
    return { ok: true, principal: { role: "device", ...id, credentialsVersion: entry.version } };
  }

  /**
   * Who an already authenticated client is, from its names alone (a broker's authorisation
   * hook, which gets no password): the service, a device connected as itself, or nobody.
   * The credentials version is unknown here (-1): such a principal is not for `revoked()`.
   */
  principalOf(clientId: string, username: string | undefined): MqttPrincipal | null {
    if (!username) return null;
    if (this.service && username === this.service.username) return { role: "service" };
    const id = parseDeviceMqttIdentity(username);
    return id && clientId === username ? { role: "device", ...id, credentialsVersion: -1 } : null;
  }

  /** SUBSCRIBE: a device only to its own command topic; nobody unauthenticated. Counts a refusal. */
  maySubscribe(principal: MqttPrincipal | null | undefined, filter: string): boolean {
    const ok =
      !!principal &&
      (principal.role === "service" || deviceMaySubscribe(principal.tenantId, principal.deviceId, filter));
    if (!ok) this.counters.subscriptions_refused++;
    return ok;
  }

  /** PUBLISH: a device only to its own status topic; nobody unauthenticated. Counts a refusal. */
  mayPublish(principal: MqttPrincipal | null | undefined, topic: string): boolean {
    const ok =
      !!principal && (principal.role === "service" || deviceMayPublish(principal.tenantId, principal.deviceId, topic));
    if (!ok) this.counters.publishes_refused++;
    return ok;
  }

  /**
   * Which of these connected devices have lost the credentials they connected with
   * (deleted, revoked, or re-keyed since): one SELECT per `maxBatch` devices, straight
   * from the database, refreshing the cache on the way.
   */
  async revoked(devices: DevicePrincipal[]): Promise<DevicePrincipal[]> {
    const out: DevicePrincipal[] = [];
    for (let i = 0; i < devices.length; i += this.maxBatch) {
      const chunk = devices.slice(i, i + this.maxBatch);
      this.counters.revocation_queries++;
      const found = await this.select(chunk);
      for (const d of chunk) {
        const e = found.get(deviceMqttIdentity(d.tenantId, d.deviceId))!;
        if (e.hash === null || e.version !== d.credentialsVersion) out.push(d);
      }
    }
    return out;
  }

  stats(): DeviceAuthStats {
    return { ...this.counters, cache_size: this.cache.size };
  }

  /** Forgets every cached credential (a test, or an operator who wants a change to apply now). */
  clear(): void {
    this.cache.clear();
  }

  private cached(username: string, now: number): Entry | undefined {
    const e = this.cache.get(username);
    if (!e) return undefined;
    if (now - e.fetchedAt >= this.ttlMs) {
      this.cache.delete(username);
      return undefined;
    }
    this.cache.delete(username);
    this.cache.set(username, e);
    return e;
  }

  private remember(username: string, e: Entry) {
    this.cache.delete(username);
    this.cache.set(username, e);
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
  }

  /** Queues a look-up into the next batch; concurrent look-ups of one device share it. */
  private fetch(username: string, key: Key): Promise<Entry> {
    return new Promise<Entry>((resolve, reject) => {
      const waiter = (e: Entry | Error) => (e instanceof Error ? reject(e) : resolve(e));
      const p = this.pending.get(username);
      if (p) p.waiters.push(waiter);
      else this.pending.set(username, { key, waiters: [waiter] });
      this.schedule();
    });
  }

  /**
   * A batch leaves when it is full, or `batchWindowMs` after its first look-up, but never
   * while MAX_INFLIGHT batches are already at the database: under a storm the look-ups
   * then pile up into full batches while the database answers, so the number of queries
   * follows the database's pace rather than the connection rate.
   */
  private schedule() {
    if (this.pending.size === 0 || this.inflight >= MAX_INFLIGHT) return;
    if (this.pending.size >= this.maxBatch) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), this.batchWindowMs);
  }

  private flush() {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.inflight >= MAX_INFLIGHT) return;
    const batch = new Map<string, { key: Key; waiters: ((e: Entry | Error) => void)[] }>();
    for (const [username, p] of this.pending) {
      if (batch.size >= this.maxBatch) break;
      batch.set(username, p);
      this.pending.delete(username);
    }
    if (batch.size === 0) return;
    this.inflight++;
    this.counters.lookup_queries++;
    this.select([...batch.values()].map((p) => p.key))
      .then(
        (found) => {
          for (const [username, p] of batch) for (const w of p.waiters) w(found.get(username)!);
        },
        (err: Error) => {
          for (const p of batch.values()) for (const w of p.waiters) w(err);
        },
      )
      .finally(() => {
        this.inflight--;
        this.schedule();
      });
  }

  /** One SELECT for these devices; every key gets an entry (a missing device, a null hash). */
  private async select(keys: Key[]): Promise<Map<string, Entry>> {
    const rows = await this.sql<{ tenant_id: string; device_id: string; hash: string | null; version: number }[]>`
      SELECT d.tenant_id, d.device_id, d.mqtt_secret_hash AS hash, d.credentials_version AS version
      FROM devices d
      JOIN unnest(${keys.map((k) => k.tenantId)}::text[], ${keys.map((k) => k.deviceId)}::text[]) AS k(tenant_id, device_id)
        ON d.tenant_id = k.tenant_id AND d.device_id = k.device_id`;
    const fetchedAt = Date.now();
    const found = new Map<string, Entry>();
    for (const k of keys) found.set(deviceMqttIdentity(k.tenantId, k.deviceId), { hash: null, version: -1, fetchedAt });
    for (const r of rows)
      found.set(deviceMqttIdentity(r.tenant_id, r.device_id), { hash: r.hash, version: r.version, fetchedAt });
    for (const [username, e] of found) this.remember(username, e);
    return found;
  }
}
