import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DeliveryResult } from "./broker-ceiling";
import type { DbFigures } from "./db-ceilings";
import type { Plan } from "./diagnostics";
import type { DispatchResult } from "./dispatch";
import { downloadDetails, downloadRow } from "./download-report";
import type { DownloadFigure } from "./downloads";
import type { IngestionResult } from "./ingestion";
import type { ProbeKind } from "./procs/api-probe";
import type { ReconnectFigure } from "./reconnect";
import type { SigningFigure } from "./dispatch";
import { signingDetails, signingRow } from "./signing-report";
import { reconnectDetails, reconnectRow } from "./reconnect-report";
import type { CpuShare } from "./cpu";
import type { BenchServices } from "./services";
import { round, type Latency } from "./stats";

export interface BenchResult {
  finished_at: string;
  duration_s: number;
  devices: number;
  /** Rows / messages of the raw ceilings and in-process diagnostics. */
  sample: number;
  /** HEAD, and whether the engine's files (ENGINE_PATHS) differed from it. */
  git: { commit: string; dirty: boolean };
  machine: {
    cpus: number;
    cpu_model: string;
    mem_gib: number;
    node: string;
    os: string;
    loadavg_start: number[];
    loadavg_end: number[];
  };
  postgres: BenchServices["postgres"];
  broker: BenchServices["broker"];
  setup: {
    worker: string;
    tick_ms: number;
    ingest_tick_ms: number;
    publishers: number;
    window: number;
    probe_gap_ms: number;
    probe: string;
  };
  fleet_build_ms: number;
  creation: { campaign_ms: number; copy_ms: number; ratio: number; target: string; met: boolean };
  dispatch: DispatchResult & { ceiling: DeliveryResult; ratio: number; target: string; met: boolean };
  ingestion: IngestionResult & { ceiling: DbFigures["rawUpdate"]; ratio: number; target: string; met: boolean };
  diagnostics: {
    engine_apply_reports: DbFigures["engineApply"];
    engine_apply_reports_batch_500: DbFigures["engineApplySmallBatch"];
    engine_dispatch_null_broker: DbFigures["engineDispatchDb"];
    /** createCampaign of the scratch fleet (`sample` devices): a second sample of creation. */
    second_creation_ms: number;
    plans: Record<string, Plan>;
  };
  latency: {
    by_phase: Record<string, Partial<Record<ProbeKind, Latency>>>;
    errors: string[];
    target: string;
    met: boolean;
  };
  memory: { worker_peak_mib: number | null; by_phase_mib: Record<string, number>; how: string };
  /** Device downloads through the web server beside a bare node:http server (absent in results before it). */
  downloads?: DownloadFigure;
  /** The reconnect storm with device auth beside the same storm without (absent in results before it). */
  reconnect?: ReconnectFigure;
  /** Dispatch with a signed manifest per device beside the same without (absent in results before it). */
  signing?: SigningFigure;
  counters: { exact: boolean; counters: Record<string, number>; rows: Record<string, number> };
  /** Per phase: the machine's busy share, and cores' worth used by the worker, broker, PostgreSQL backends, probe, bench. */
  cpu: Record<string, CpuShare>;
}

export function machineInfo(loadStart: number[]): BenchResult["machine"] {
  return {
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model.trim() ?? "?",
    mem_gib: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadavg_start: loadStart.map((x) => round(x)),
    loadavg_end: os.loadavg().map((x) => round(x)),
  };
}

/** What the figures depend on: the engine, its schema, the two API routes probed and the web server. */
const ENGINE_PATHS = ["lib", "worker", "drizzle", "app/customer/ota/campaigns/[id]", "scripts/web-server.ts"];

export function gitInfo(): BenchResult["git"] {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain", "--", ...ENGINE_PATHS], { encoding: "utf8" }).trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: "?", dirty: false };
  }
}

const n = (x: number) => x.toLocaleString("en-US");
const ms = (x: number) => (x >= 10_000 ? `${round(x / 1000, 1)} s` : `${Math.round(x)} ms`);
const mark = (met: boolean) => (met ? "✅" : "❌");

export function toMarkdown(r: BenchResult): string {
  const lat = r.latency.by_phase;
  const during = lat.ingest;
  const latRow = (label: string, k: ProbeKind) => {
    const cell = (p?: Partial<Record<ProbeKind, Latency>>) => {
      const l = p?.[k];
      return l ? `${l.median_ms} / ${l.p99_ms} ms (n=${l.n})` : "—";
    };
    return `| ${label} | ${cell(lat.idle)} | ${cell(during)} |`;
  };
  const lines = [
    `# Flotilla benchmark: ${n(r.devices)} devices`,
    "",
    `${r.finished_at} · ${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.mem_gib} GiB · Node ${r.machine.node} · ${r.postgres.version} (${r.postgres.kind}) · ${r.broker.version} (${r.broker.kind}${r.broker.managed ? ", started by the bench" : ", external"}) · git ${r.git.commit}${r.git.dirty ? " (with uncommitted changes under lib/, worker/, drizzle/, the probed routes or the web server)" : ""} · load average at start ${r.machine.loadavg_start.join(" / ")} · run took ${r.duration_s} s`,
    "",
    "| figure | engine | raw ceiling (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    `| campaign creation, ${n(r.devices)} devices | ${ms(r.creation.campaign_ms)} | COPY of ${n(r.devices)} rows: ${ms(r.creation.copy_ms)} | ${r.creation.ratio} × | ≤ 2 × | ${mark(r.creation.met)} |`,
    `| dispatch (devices commanded/s, rate limit lifted) | ${n(r.dispatch.perSecond)}/s | bare QoS 1 publisher→subscriber: ${n(r.dispatch.ceiling.perSecond)}/s | ${r.dispatch.ratio} | ≥ 0.5 | ${mark(r.dispatch.met)} |`,
    `| ingestion (status reports persisted/s) | ${n(r.ingestion.perSecond)}/s | batched UPDATE … FROM unnest: ${n(r.ingestion.ceiling.perSecond)} rows/s | ${r.ingestion.ratio} | ≥ 0.6 | ${mark(r.ingestion.met)} |`,
    `| campaign detail during ingestion (median / p99) | ${during?.detail ? `${during.detail.median_ms} / ${during.detail.p99_ms} ms` : "—"} | — | — | median < 10 ms at 1,000,000 devices | ${mark(r.latency.met)} |`,
    `| device page, offset 0 (median / p99) | ${during?.page_first ? `${during.page_first.median_ms} / ${during.page_first.p99_ms} ms` : "—"} | — | — | — | |`,
    `| device page, offset ${n(Math.floor(r.devices / 2 / 50) * 50)} (median / p99) | ${during?.page_deep ? `${during.page_deep.median_ms} / ${during.page_deep.p99_ms} ms` : "—"} | — | — | — | |`,
    ...(r.downloads ? [downloadRow(r.downloads)] : []),
    ...(r.reconnect ? [reconnectRow(r.reconnect)] : []),
    ...(r.signing ? [signingRow(r.signing)] : []),
    `| worker peak memory (VmHWM) | ${r.memory.worker_peak_mib === null ? "—" : `${round(r.memory.worker_peak_mib, 0)} MiB`} | — | — | — | |`,
    "",
    "## Details",
    "",
    `- Dispatch: ${n(r.dispatch.received)} commands (${n(r.dispatch.distinct)} devices) in ${ms(r.dispatch.ms)} first to last at the subscriber; ${ms(r.dispatch.fromStartMs)} from the operator's start; ${n(r.dispatch.downloading)} DOWNLOADING in the database; ${n(r.dispatch.duplicates)} duplicate commands; ${n(r.dispatch.dropped)} dropped. Ceiling: ${n(r.dispatch.ceiling.received)} messages in ${ms(r.dispatch.ceiling.ms)}, ${n(r.dispatch.ceiling.dropped)} dropped.`,
    `- Dispatch's database part (the engine's dispatchCampaign with a broker that acknowledges at once, ${n(r.diagnostics.engine_dispatch_null_broker.devices)} devices): ${n(r.diagnostics.engine_dispatch_null_broker.perSecond)} devices/s.`,
    `- Ingestion: ${n(r.ingestion.sent)} reports (DOWNLOADING 50 %, INSTALLING, SUCCESS for ${n(r.ingestion.devices)} devices${r.ingestion.devices < r.devices ? ` of the ${n(r.devices)}` : ""}) sent by ${r.setup.publishers} connections (offered at ${n(r.ingestion.publishPerSecond)}/s), ${n(r.ingestion.received)} received by the worker, ${n(r.ingestion.processed)} processed (${n(r.ingestion.applied)} applied, ${n(r.ingestion.stale)} stale, ${n(r.ingestion.merged)} merged) in ${ms(r.ingestion.ms)}, ${n(r.ingestion.batches)} batches (mean ${r.ingestion.batches ? Math.round(r.ingestion.processed / r.ingestion.batches) : 0} reports), intake paused ${n(r.ingestion.paused)} times, ${n(r.ingestion.dropped)} never reached the worker, ${n(r.ingestion.disconnectedBeats)} polled heartbeats with a broker connection down; ${n(r.ingestion.succeeded)} devices SUCCESS at the end.`,
    `- Ingestion's database part (the engine's applyReports called in-process, batches of ${r.diagnostics.engine_apply_reports.batch}, ${n(r.diagnostics.engine_apply_reports.reports)} reports): ${n(r.diagnostics.engine_apply_reports.perSecond)} reports/s (${round(r.diagnostics.engine_apply_reports.perSecond / r.ingestion.ceiling.perSecond)} × the raw UPDATE ceiling of ${n(r.ingestion.ceiling.rows)} rows in batches of ${r.ingestion.ceiling.batch}); in batches of ${r.diagnostics.engine_apply_reports_batch_500.batch}: ${n(r.diagnostics.engine_apply_reports_batch_500.perSecond)} reports/s.`,
    `- Creation, second sample (the scratch tenant's campaign of ${n(r.sample)} devices, same run): ${ms(r.diagnostics.second_creation_ms)}.`,
    `- Counters after the flood equal a GROUP BY over the device rows: ${r.counters.exact ? "yes" : `NO (${JSON.stringify(r.counters)})`}.`,
    `- Worker peak RSS by phase (sampled every 100 ms): ${Object.entries(r.memory.by_phase_mib)
      .map(([p, v]) => `${p} ${Math.round(v)} MiB`)
      .join(", ")}. ${r.memory.how}.`,
    `- Fleet build (devices + memberships, INSERT … SELECT generate_series): ${ms(r.fleet_build_ms)}.`,
    "",
    "### Where the CPU went",
    "",
    `Machine busy (all ${r.machine.cpus} cores) and cores' worth used per process, from /proc. \`postgres\` = the bench database's backends (the probe's queries included); "everything else" = the publishers, PostgreSQL's background processes, and whatever else the machine was running.`,
    "",
    "| phase | machine busy | worker | broker | postgres | API probe | bench process | everything else |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...Object.entries(r.cpu).map(([phase, c]) => {
      const ours = Object.values(c.cores).reduce((a, b) => a + b, 0);
      const rest = round(Math.max(0, c.machine * r.machine.cpus - ours));
      return `| ${phase.replace(/_/g, " ")} | ${Math.round(c.machine * 100)} % | ${c.cores.worker ?? "—"} | ${c.cores.broker ?? "—"} | ${c.cores.postgres ?? "—"} | ${c.cores["api-probe"] ?? "—"} | ${c.cores.bench ?? "—"} | ${rest} |`;
    }),
    "",
    "### API latency, median / p99 (requests)",
    "",
    "| request | idle | during ingestion |",
    "| --- | --- | --- |",
    latRow("campaign detail", "detail"),
    latRow("device page, offset 0", "page_first"),
    latRow(`device page, offset ${n(Math.floor(r.devices / 2 / 50) * 50)}`, "page_deep"),
    latRow("floor: the tenant transaction around SELECT 1", "tx_floor"),
    latRow("floor: the bearer token check alone", "jwt"),
    "",
    `${r.setup.probe}. ${r.latency.errors.length ? `Errors: ${r.latency.errors.join("; ")}` : "No errors."}`,
    "",
    ...(r.downloads ? downloadDetails(r.downloads) : []),
    ...(r.reconnect ? reconnectDetails(r.reconnect) : []),
    ...(r.signing ? signingDetails(r.signing) : []),
    "### Statements explained",
    "",
    "EXPLAIN (ANALYZE, BUFFERS) of the engine's own statements, recorded as it sends them and replayed in transactions that are rolled back: one ingestion batch of 2000 on the scratch campaign and on the bench campaign (after dispatch, before the flood), the tick's timeout sweep with the fleet in flight, and after the flood each SELECT of the detail and device-page routes (inside withTenant, under the RLS role; numbered in the order the route sends them).",
    "",
    "| statement | execution | what the plan shows |",
    "| --- | --- | --- |",
    ...Object.entries(r.diagnostics.plans).map(
      ([k, p]) => `| ${k} | ${p.executionMs} ms | ${planNotes(p.plan).replace(/\|/g, "\\|")} |`,
    ),
    "",
    `Setup: worker = ${r.setup.worker}; tick ${r.setup.tick_ms} ms for dispatch, ${r.setup.ingest_tick_ms} ms for the flood; ${r.setup.publishers} publisher connections × window ${r.setup.window}. Broker: ${r.broker.note ?? r.broker.kind}.`,
    "",
  ];
  return lines.join("\n");
}

/** Writes `<date>-<devices>-<pg>-<broker>.{json,md}` and, for the default setup, latest.{json,md}. */
export function writeResults(dir: string, r: BenchResult, latest: boolean): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = r.finished_at.replace(/[:]/g, "").replace(/\.\d+Z$/, "Z");
  const label = `${stamp}-${r.devices >= 1_000_000 ? `${r.devices / 1_000_000}M` : `${r.devices / 1000}k`}-${r.postgres.kind === "embedded" ? "embedded-pg" : r.postgres.version.replace(/^PostgreSQL /, "pg")}-${r.broker.kind}${r.broker.kind === "mosquitto" && r.broker.managed ? "-bench-config" : ""}`;
  const json = `${JSON.stringify(r, null, 2)}\n`;
  const md = toMarkdown(r);
  const files = [path.join(dir, `${label}.json`), path.join(dir, `${label}.md`)];
  fs.writeFileSync(files[0]!, json);
  fs.writeFileSync(files[1]!, md);
  if (latest) {
    files.push(path.join(dir, "latest.json"), path.join(dir, "latest.md"));
    fs.writeFileSync(files[2]!, json);
    fs.writeFileSync(files[3]!, md);
  }
  return files;
}

/** The lines of a plan that explain its cost: whole-campaign scans, quadratic join filters, spilled sorts. */
function planNotes(plan: string[]): string {
  const notes = new Set<string>();
  let node = { name: "", loops: 1 };
  for (const line of plan) {
    const t = line.trim().replace(/^->\s+/, "");
    const head = /^([A-Z][A-Za-z ]+?(?: using \S+)?(?: on \S+(?: \w+)?)?)\s+\(cost=.*loops=(\d+)\)/.exec(t);
    if (head) node = { name: head[1]!, loops: Number(head[2]) };
    const filtered = /^Rows Removed by Filter: (\d+)/.exec(t);
    if (filtered && Number(filtered[1]) * node.loops > 100_000) {
      notes.add(
        `${node.name} × ${node.loops.toLocaleString("en-US")} loops filtered out ${(Number(filtered[1]) * node.loops).toLocaleString("en-US")} rows`,
      );
    }
    const removed = /Rows Removed by Join Filter: (\d+)/.exec(t);
    if (removed && Number(removed[1]) > 100_000)
      notes.add(`join filter discarded ${Number(removed[1]).toLocaleString("en-US")} row pairs (nested loop)`);
    const scan =
      /^(Seq Scan|Bitmap Heap Scan|Index Scan|Index Only Scan)(?: using (\S+))? on (\S+).*actual time=[\d.]+\.\.[\d.]+ rows=([\d.]+) loops=(\d+)/.exec(
        t,
      );
    if (scan && Number(scan[4]) * Number(scan[5]) >= 10_000)
      notes.add(
        `${scan[1]}${scan[2] ? ` ${scan[2]}` : ""} on ${scan[3]}: ${Math.round(Number(scan[4]) * Number(scan[5])).toLocaleString("en-US")} rows`,
      );
    const sort = /Sort Method: (.+)/.exec(t);
    if (sort) notes.add(`sort: ${sort[1]}`);
    const trig = /^Trigger (\S+): time=([\d.]+)/.exec(t);
    if (trig) notes.add(`trigger ${trig[1]} ${trig[2]} ms`);
  }
  return [...notes].join("; ") || (plan[0] ?? "").trim();
}
