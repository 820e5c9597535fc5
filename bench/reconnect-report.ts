import fs from "node:fs";
import path from "node:path";
import type { ReconnectFigure, StormRound } from "./reconnect";
import type { BenchResult } from "./report";

/** The reconnect-storm figure in Markdown: its row of the main table, and its details. */

const n = (x: number) => x.toLocaleString("en-US");

export function reconnectRow(r: ReconnectFigure): string {
  return `| reconnect storm (${n(r.devices)} devices with their own credentials, connections/s) | ${n(r.auth.per_second)}/s | the same storm on aedes without authentication: ${n(r.ceiling.per_second)}/s | ${r.ratio} × | ≥ 0.5 × | ${r.met ? "✅" : "❌"} |`;
}

export function reconnectDetails(r: ReconnectFigure): string[] {
  const cores = (s: StormRound) =>
    Object.entries(s.cpu.cores)
      .filter(([k]) => k.startsWith("broker") || k === "postgres" || k === "bench")
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  const row = (s: StormRound) =>
    `| ${s.label} | ${n(s.per_second)} | ${n(Math.round(s.ms))} ms | ${n(s.connected)} | ${s.errors.length ? s.errors.join("; ") : "—"} | ${s.broker_stats ? `${n(s.broker_stats.lookup_queries)} / ${n(s.broker_stats.cache_hits)}` : "—"} | ${cores(s)} | ${Math.round(s.cpu.machine * 100)} % |`;
  const order = r.rounds.ceiling.flatMap((c, i) =>
    [c, r.rounds.auth[i], r.rounds.warm[i]].filter((x) => x !== undefined),
  );
  return [
    "### Reconnect storm",
    "",
    `${r.how}.`,
    "",
    "| round | connections/s | first to last | connected | errors | look-up queries / cache hits | cores | machine busy |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...order.map(row),
    "",
  ];
}

/** `npm run bench -- --only reconnect`: the figure alone, with the run's setup. */
export type ReconnectOnlyResult = Pick<BenchResult, "finished_at" | "duration_s" | "git" | "machine" | "postgres"> & {
  only: "reconnect";
  reconnect: ReconnectFigure;
};

export function reconnectOnlyMarkdown(r: ReconnectOnlyResult): string {
  return [
    `# Flotilla benchmark: reconnect storm only`,
    "",
    `${r.finished_at} · ${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.mem_gib} GiB · Node ${r.machine.node} · ${r.postgres.version} (${r.postgres.kind}) · git ${r.git.commit}${r.git.dirty ? " (with uncommitted changes)" : ""} · load average at start ${r.machine.loadavg_start.join(" / ")} · run took ${r.duration_s} s`,
    "",
    "| figure | engine | raw ceiling (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    reconnectRow(r.reconnect),
    "",
    ...reconnectDetails(r.reconnect),
  ].join("\n");
}

/** `<date>-reconnect-<devices>-<postgres>.{json,md}`: never latest.*, which only a whole run writes. */
export function writeReconnectResults(dir: string, r: ReconnectOnlyResult): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = r.finished_at.replace(/[:]/g, "").replace(/\.\d+Z$/, "Z");
  const pg = r.postgres.kind === "embedded" ? "embedded-pg" : r.postgres.version.replace(/^PostgreSQL /, "pg");
  const base = `${stamp}-reconnect-${r.reconnect.devices / 1000}k-${pg}`;
  const files = [path.join(dir, `${base}.json`), path.join(dir, `${base}.md`)];
  fs.writeFileSync(files[0]!, `${JSON.stringify(r, null, 2)}\n`);
  fs.writeFileSync(files[1]!, reconnectOnlyMarkdown(r));
  return files;
}
