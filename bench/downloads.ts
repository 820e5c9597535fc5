import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type postgres from "postgres";
import { freePort } from "@/lib/embedded/ports";
import { runToEnd } from "@/lib/runtime/children";
import { signDownloadUrl } from "@/lib/ota/signed-url";
import { storeBuffer, storedPath } from "@/lib/ota/storage";
import { spawnTsx, type BenchChild } from "./children";
import type { CpuMeter, CpuShare } from "./cpu";
import type { DownloaderResult } from "./procs/downloader";
import { round } from "./stats";

/**
 * The device-download figure (docs/performance.md, "Device downloads"): N clients at once
 * each download one stored firmware through a signed URL from the production web server
 * (scripts/web-server.ts, which serves `/firmware/{id}/download` itself, outside Next:
 * docs/decisions/0005), and the same N clients download the same file from a bare
 * `node:http` server that pipes `fs.createReadStream` to the response: the ceiling.
 * Servers and clients are processes of their own; everything is on 127.0.0.1.
 */
export interface DownloadRound extends DownloaderResult {
  /** Verified body bytes per second, in MB (10^6 bytes). */
  mb_per_s: number;
  cpu: CpuShare;
  /**
   * MB sent per CPU-second of the serving process: what a byte costs the server, which
   * holds better than MB/s when other work shares the machine's cores.
   */
  mb_per_server_cpu_s: number | null;
  /** The most memory the kernel's TCP sockets held during the round, in pages (/proc/net/sockstat). */
  tcp_mem_peak_pages: number | null;
}

export interface DownloadFigure {
  clients: number;
  file_bytes: number;
  file_sha256: string;
  /** Where the Next build the web server prepares came from. */
  build: string;
  server: DownloadRound;
  ceiling: DownloadRound;
  /** Every measured round, in the order run (ceiling and server alternating). */
  rounds: { server: DownloadRound[]; ceiling: DownloadRound[] };
  ratio: number;
  target: string;
  met: boolean;
  /** The kernel's TCP memory thresholds in pages (net.ipv4.tcp_mem: low, pressure, high). */
  tcp_mem_limits: number[] | null;
  how: string;
}

/** Pages of memory held by TCP sockets now, machine-wide. */
function tcpMemPages(): number | null {
  try {
    const m = /^TCP: .* mem (\d+)/m.exec(fs.readFileSync("/proc/net/sockstat", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function tcpMemLimits(): number[] | null {
  try {
    return fs.readFileSync("/proc/sys/net/ipv4/tcp_mem", "utf8").trim().split(/\s+/).map(Number);
  } catch {
    return null;
  }
}

const MiB = 1024 * 1024;
const ROUNDS = 2;
const WARMUP_CLIENTS = 10;
/** About ten downloads of every round are hashed as well as counted. */
const HASHED_PER_ROUND = 10;

/**
 * The web server prepares Next before it listens, so it needs a production build (NEXT_DIST_DIR,
 * default .next). The download path itself is loaded from source by tsx, outside Next, so an
 * older build does not change the figure; a missing one is made here, as `npm test` makes it.
 */
export async function ensureWebBuild(log: (line: string) => void): Promise<string> {
  const distDir = process.env.NEXT_DIST_DIR || ".next";
  if (fs.existsSync(path.resolve(distDir, "BUILD_ID"))) return `the existing build in ${distDir}`;
  log(`no build in ${distDir}: building the web app (next build) for the web server…`);
  await runToEnd("build", path.resolve("node_modules", ".bin", "next"), ["build"], {
    ...process.env,
    NODE_ENV: "production",
  });
  return `built by the bench in ${distDir}`;
}

/** A tenant with one stored firmware of `bytes` random bytes, registered as an upload registers it. */
async function storeBenchFirmware(sql: postgres.Sql, firmwareDir: string, bytes: number) {
  const data = randomBytes(bytes);
  const stored = await storeBuffer(firmwareDir, data);
  const tenantId = `bench-download-${randomBytes(3).toString("hex")}`;
  await sql`INSERT INTO tenants (tenant_id, name) VALUES (${tenantId}, 'Bench downloads')`;
  const [fw] = await sql<{ id: number }[]>`
    INSERT INTO firmware_versions (tenant_id, version, file_url, file_size_bytes, checksum_sha256, device_type, storage_key)
    VALUES (${tenantId}, '9.9.9', 'pending', ${stored.sizeBytes}, ${stored.sha256}, 'sensor', ${stored.key})
    RETURNING id`;
  const sha256 = createHash("sha256").update(data).digest("hex");
  if (sha256 !== stored.sha256) throw new Error("the stored firmware's sha256 differs from its bytes");
  return { id: fw!.id, sizeBytes: stored.sizeBytes, sha256, path: storedPath(firmwareDir, stored.key) };
}

export async function measureDownloads(opts: {
  sql: postgres.Sql;
  databaseUrl: string;
  authSecret: string;
  tmpDir: string;
  clients: number;
  mib: number;
  build: string;
  meter: CpuMeter;
  log: (line: string) => void;
}): Promise<DownloadFigure> {
  const { clients, log } = opts;
  const firmwareDir = path.join(opts.tmpDir, "firmware");
  const fw = await storeBenchFirmware(opts.sql, firmwareDir, opts.mib * MiB);
  const children: BenchChild[] = [];
  try {
    const filePort = await freePort();
    const fileServer = spawnTsx("file-server", "bench/procs/file-server.ts", {
      ...process.env,
      BENCH_FILE: fw.path,
      BENCH_FILE_PORT: String(filePort),
    });
    children.push(fileServer);
    const webPort = await freePort();
    const base = `http://127.0.0.1:${webPort}`;
    const webServer = spawnTsx(
      "web-server",
      "scripts/web-server.ts",
      {
        ...process.env,
        DATABASE_URL: opts.databaseUrl,
        AUTH_SECRET: opts.authSecret,
        FIRMWARE_DIR: firmwareDir,
        NODE_ENV: "production",
        PORT: String(webPort),
        PUBLIC_URL: base,
      },
      { args: ["-p", String(webPort), "-H", "127.0.0.1"], logFile: path.join(opts.tmpDir, "web-server.log") },
    );
    children.push(webServer);
    const downloader = spawnTsx("downloader", "bench/procs/downloader.ts", {
      ...process.env,
      BENCH_DOWNLOAD: JSON.stringify({
        size: fw.sizeBytes,
        sha256: fw.sha256,
        hashEvery: Math.max(1, Math.floor(clients / HASHED_PER_ROUND)),
      }),
    });
    children.push(downloader);
    const ceilingUrl = (await fileServer.next<{ url: string }>("ready", 30_000)).url;
    await webServer.waitForLine(/Ready in/, 120_000);
    await downloader.next("ready", 30_000);
    const serverUrl = `${base}${signDownloadUrl(fw.id, new Date(Date.now() + 3600_000), opts.authSecret)}`;

    const run = async (label: string, url: string, n: number) => {
      downloader.send({ cmd: "run", label, url, clients: n });
      return (await downloader.next<{ result: DownloaderResult }>("result", 600_000)).result;
    };
    const measured = async (label: string, url: string, serverName: string): Promise<DownloadRound> => {
      // Machine-wide TCP buffer memory: high while clients drain slower than servers send.
      let tcpPeak: number | null = null;
      const sampler = setInterval(() => {
        const pages = tcpMemPages();
        if (pages !== null) tcpPeak = Math.max(tcpPeak ?? 0, pages);
      }, 100);
      const phase = await opts.meter.start();
      const r = await run(label, url, clients).finally(() => clearInterval(sampler));
      const cpu = await phase.end();
      const mbPerS = round(r.ms > 0 ? r.bytes / 1e6 / (r.ms / 1000) : 0, 1);
      const serverCores = cpu.cores[serverName] ?? 0;
      const round_: DownloadRound = {
        ...r,
        mb_per_s: mbPerS,
        cpu,
        mb_per_server_cpu_s: serverCores > 0 ? Math.round(mbPerS / serverCores) : null,
        tcp_mem_peak_pages: tcpPeak,
      };
      log(
        `downloads, ${label}: ${round_.mb_per_s} MB/s (${r.ok} of ${clients} × ${opts.mib} MiB in ${Math.round(r.ms)} ms, ${r.hashed} hashed, ${r.failed} failed${r.errors.length ? `: ${r.errors.join("; ")}` : ""})`,
      );
      return round_;
    };
    // Warm both (the web server's database pool and code paths, the page cache), then alternate.
    for (const [label, url] of [
      ["warm-up ceiling", ceilingUrl],
      ["warm-up server", serverUrl],
    ] as const) {
      const w = await run(label, url, Math.min(clients, WARMUP_CLIENTS));
      if (w.failed) throw new Error(`downloads, ${label}: ${w.errors.join("; ")}\n${webServer.tail()}`);
    }
    const rounds: DownloadFigure["rounds"] = { server: [], ceiling: [] };
    for (let i = 1; i <= ROUNDS; i++) {
      rounds.ceiling.push(await measured(`ceiling ${i}`, ceilingUrl, fileServer.name));
      rounds.server.push(await measured(`web server ${i}`, serverUrl, webServer.name));
    }
    const best = (rs: DownloadRound[]) => rs.reduce((a, b) => (b.mb_per_s > a.mb_per_s ? b : a));
    const server = best(rounds.server);
    const ceiling = best(rounds.ceiling);
    const ratio = ceiling.mb_per_s > 0 ? round(server.mb_per_s / ceiling.mb_per_s) : 0;
    const allOk = [...rounds.server, ...rounds.ceiling].every((r) => r.failed === 0 && r.ok === clients);
    return {
      clients,
      file_bytes: fw.sizeBytes,
      file_sha256: fw.sha256,
      build: opts.build,
      server,
      ceiling,
      rounds,
      ratio,
      target: "≥ 0.7 × bare node:http",
      met: allOk && ratio >= 0.7,
      tcp_mem_limits: tcpMemLimits(),
      how: `${clients} concurrent GETs (a fresh connection each) from one client process; MB/s = verified body bytes (10^6) from the first request to the last byte; the better of ${ROUNDS} rounds each, ceiling and web server alternating, after a warm-up of ${WARMUP_CLIENTS} downloads each. Web server: scripts/web-server.ts (signed URL, database lookup, Range planning, file streamed with fs.createReadStream); ceiling: a bare node:http server piping fs.createReadStream of the same file`,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
