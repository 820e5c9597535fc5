import { randomBytes } from "node:crypto";
import net from "node:net";
import type { DbHandle } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { freePort } from "@/lib/embedded/ports";
import type { EmbeddedBrokerStats } from "@/lib/embedded/broker";
import type { DeviceMqttCredentials } from "@/lib/mqtt/identity";
import { noProvisioning } from "@/lib/mqtt/provisioning";
import { issueDeviceCredentials } from "@/lib/ota/credentials";
import { spawnTsx } from "./children";
import type { CpuMeter, CpuShare } from "./cpu";
import { round, sleep } from "./stats";

/**
 * The reconnect storm (docs/performance.md): N devices, each with its own credentials, connect
 * at once to the embedded broker with device auth, as after a broker restart (its credential
 * cache cold), beside the same storm against the same aedes without authentication: the
 * ceiling. Each round gets a fresh broker process; the devices are raw sockets sending a
 * prebuilt MQTT 3.1.1 CONNECT, so the client side costs the same in both and next to nothing.
 */
export interface StormRound {
  label: string;
  /** First connection opened to last CONNACK received. */
  ms: number;
  per_second: number;
  connected: number;
  refused: number;
  errors: string[];
  cpu: CpuShare;
  /** The broker's device-auth counters after the round (auth rounds only). */
  broker_stats: EmbeddedBrokerStats | null;
}

export interface ReconnectFigure {
  devices: number;
  /** Connections opened but not yet answered, at most. */
  window: number;
  auth: StormRound;
  ceiling: StormRound;
  /** The same devices reconnecting to the same broker within the cache TTL (a flapping network). */
  warm: StormRound;
  rounds: { auth: StormRound[]; ceiling: StormRound[]; warm: StormRound[] };
  ratio: number;
  target: string;
  met: boolean;
  how: string;
}

const ROUNDS = 2;
const WINDOW = 1000;

/** An MQTT 3.1.1 CONNECT (clean session, keepalive 60 s) with these credentials. */
export function connectPacket(c: DeviceMqttCredentials): Buffer {
  const str = (s: string) => {
    const b = Buffer.from(s, "utf8");
    const out = Buffer.alloc(2 + b.length);
    out.writeUInt16BE(b.length);
    b.copy(out, 2);
    return out;
  };
  // Protocol "MQTT", level 4, flags: username, password, clean session; keepalive 60.
  const variable = Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x80 | 0x40 | 0x02, 0, 60]);
  const body = Buffer.concat([variable, str(c.client_id), str(c.username), str(c.password)]);
  const length: number[] = [];
  let x = body.length;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    length.push(byte);
  } while (x > 0);
  return Buffer.concat([Buffer.from([0x10, ...length]), body]);
}

/** Opens one socket per packet, at most `window` unanswered at a time; resolves when every one has its CONNACK (or failed). */
async function storm(url: string, packets: Buffer[], localAddress: string) {
  const { hostname, port } = new URL(url);
  const sockets: net.Socket[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  let inflight = 0;
  let done = 0;
  let connected = 0;
  let refused = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const launch = () => {
      while (inflight < WINDOW && next < packets.length) start(packets[next++]!);
      if (done === packets.length) resolve();
    };
    const start = (packet: Buffer) => {
      inflight++;
      const s = net.connect({ host: hostname, port: Number(port), localAddress });
      sockets.push(s);
      let settled = false;
      let buf = Buffer.alloc(0);
      const finish = (error?: string) => {
        if (settled) return;
        settled = true;
        inflight--;
        done++;
        if (!error) connected++;
        else errors.set(error, (errors.get(error) ?? 0) + 1);
        launch();
      };
      s.setNoDelay(true);
      s.on("connect", () => s.write(packet));
      s.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 4) return;
        if (buf[0] === 0x20 && buf[3] === 0) return finish();
        refused++;
        finish(`CONNACK return code ${buf[3]}`);
      });
      s.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? e.message));
      s.on("close", () => finish("closed before CONNACK"));
    };
    launch();
  });
  const ms = performance.now() - t0;
  return {
    ms,
    connected,
    refused,
    errors: [...errors].map(([e, n]) => `${e} × ${n}`),
    close: async () => {
      for (const s of sockets) s.destroy();
      // Let the broker see the disconnects before it is stopped (and the next round starts).
      await sleep(500);
    },
  };
}

export async function measureReconnectStorm(opts: {
  handle: DbHandle;
  databaseUrl: string;
  devices: number;
  meter: CpuMeter;
  log: (line: string) => void;
}): Promise<ReconnectFigure> {
  const { handle, devices, log } = opts;
  const tenantId = `bench-reconnect-${randomBytes(3).toString("hex")}`;
  await handle.sql`INSERT INTO tenants (tenant_id, name) VALUES (${tenantId}, 'Bench reconnect storm')`;
  await handle.sql`
    INSERT INTO devices (tenant_id, device_id, device_type, fw_version)
    SELECT ${tenantId}, 'dev-' || lpad(g::text, 7, '0'), 'sensor', '1.0.0' FROM generate_series(0, ${devices - 1}::int) g`;
  const ids = Array.from({ length: devices }, (_, i) => `dev-${String(i).padStart(7, "0")}`);
  // As registration issues them: one set-based UPDATE (a broker that asks needs no provisioning).
  const creds = await withTenant(handle.db, tenantId, (tx) =>
    issueDeviceCredentials(tx, tenantId, ids, noProvisioning),
  );
  await handle.sql`ANALYZE devices`;
  const packets = ids.map((id) => connectPacket(creds.get(id)!));
  const service = { username: "flotilla-service", password: randomBytes(24).toString("base64url") };

  let address = 1;
  const round_ = async (label: string, auth: boolean, reconnects = 1): Promise<StormRound[]> => {
    const port = await freePort();
    const broker = spawnTsx(`broker-${auth ? "auth" : "open"}`, "bench/procs/auth-broker.ts", {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      BENCH_BROKER_PORT: String(port),
      BENCH_BROKER_AUTH: auth ? "1" : "0",
      BENCH_SERVICE_USERNAME: service.username,
      BENCH_SERVICE_PASSWORD: service.password,
    });
    try {
      const { url } = await broker.next<{ url: string }>("ready", 30_000);
      const out: StormRound[] = [];
      for (let i = 0; i < reconnects; i++) {
        const name = i === 0 ? label : `${label}, warm`;
        // Each storm from an address of its own on 127/8, so that the previous storm's sockets in
        // TIME_WAIT never exhaust the ephemeral ports of one source address.
        address++;
        const phase = await opts.meter.start();
        const s = await storm(url, packets, `127.0.${Math.floor(address / 250)}.${2 + (address % 250)}`);
        const cpu = await phase.end();
        let stats: EmbeddedBrokerStats | null = null;
        if (auth) {
          broker.send({ cmd: "stats" });
          stats = (await broker.next<{ stats: EmbeddedBrokerStats | null }>("stats", 10_000)).stats;
        }
        await s.close();
        const r: StormRound = {
          label: name,
          ms: round(s.ms, 1),
          per_second: Math.round((s.connected / s.ms) * 1000),
          connected: s.connected,
          refused: s.refused,
          errors: s.errors,
          cpu,
          broker_stats: stats,
        };
        log(
          `reconnect storm, ${name}: ${r.per_second} connections/s (${r.connected} of ${devices} in ${Math.round(r.ms)} ms${r.errors.length ? `; ${r.errors.join(", ")}` : ""}${stats ? `; ${stats.lookup_queries} look-up queries, ${stats.cache_hits} cache hits` : ""})`,
        );
        out.push(r);
      }
      return out;
    } finally {
      await broker.stop();
    }
  };

  const rounds: ReconnectFigure["rounds"] = { auth: [], ceiling: [], warm: [] };
  for (let i = 1; i <= ROUNDS; i++) {
    rounds.ceiling.push(...(await round_(`without auth ${i}`, false)));
    const [cold, warm] = await round_(`device auth ${i}`, true, 2);
    rounds.auth.push(cold!);
    rounds.warm.push(warm!);
  }
  const best = (rs: StormRound[]) => rs.reduce((a, b) => (b.per_second > a.per_second ? b : a));
  const auth = best(rounds.auth);
  const ceiling = best(rounds.ceiling);
  const failed = [...rounds.auth, ...rounds.ceiling].some((r) => r.connected !== devices);
  return {
    devices,
    window: WINDOW,
    auth,
    ceiling,
    warm: best(rounds.warm),
    rounds,
    ratio: round(auth.per_second / ceiling.per_second),
    target: "≥ 0.5 × the same storm without authentication",
    met: !failed && auth.per_second >= 0.5 * ceiling.per_second,
    how: `${devices.toLocaleString("en-US")} devices, each with its own credentials (issued as registration issues them), open a TCP connection and send an MQTT 3.1.1 CONNECT to a fresh embedded broker (aedes in a process of its own), at most ${WINDOW} unanswered at a time; first connection to last CONNACK. With device auth the broker's credential cache starts cold (a restarted broker); "warm" is the same devices reconnecting to it within the cache TTL. The better of ${ROUNDS} rounds each, alternating`,
  };
}
