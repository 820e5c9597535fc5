import fs from "node:fs";
import path from "node:path";
import type { DownloadFigure, DownloadRound } from "./downloads";
import type { BenchResult } from "./report";

/** The device-download figure in Markdown: its row of the main table, and its details. */

const n = (x: number) => x.toLocaleString("en-US");
const mib = (bytes: number) => `${round1(bytes / 2 ** 20)} MiB`;
const round1 = (x: number) => Math.round(x * 10) / 10;

export function downloadRow(d: DownloadFigure): string {
  return `| device downloads (${n(d.clients)} clients × ${mib(d.file_bytes)}, signed URL, MB/s in total) | ${n(d.server.mb_per_s)} MB/s | bare node:http streaming the same file: ${n(d.ceiling.mb_per_s)} MB/s | ${d.ratio} × | ≥ 0.7 × | ${d.met ? "✅" : "❌"} |`;
}

export function downloadDetails(d: DownloadFigure): string[] {
  const cores = (r: DownloadRound, k: string) => r.cpu.cores[k] ?? "—";
  const row = (r: DownloadRound) =>
    `| ${r.label} | ${n(r.mb_per_s)} | ${r.mb_per_server_cpu_s === null ? "—" : n(r.mb_per_server_cpu_s)} | ${n(Math.round(r.ms))} ms | ${r.ok} of ${r.clients} (${r.hashed} hashed) | ${r.failed} | ${Math.round(r.perDownload.median_ms)} / ${Math.round(r.perDownload.p99_ms)} ms | ${Math.round(r.firstByte.median_ms)} / ${Math.round(r.firstByte.p99_ms)} ms | ${cores(r, "web-server")} / ${cores(r, "file-server")} / ${cores(r, "downloader")} / ${cores(r, "postgres")} | ${Math.round(r.cpu.machine * 100)} % | ${r.tcp_mem_peak_pages === null ? "—" : n(r.tcp_mem_peak_pages)} |`;
  const order = d.rounds.ceiling.flatMap((c, i) => [c, ...(d.rounds.server[i] ? [d.rounds.server[i]] : [])]);
  const errors = [...d.rounds.ceiling, ...d.rounds.server].flatMap((r) => r.errors);
  return [
    "### Device downloads",
    "",
    `${d.how}. Every download is checked: status 200, \`Content-Length\` ${n(d.file_bytes)} on the wire, exactly that many body bytes; about one in ${Math.max(1, Math.floor(d.clients / 10))} is also hashed against the file's sha256 (\`${d.file_sha256.slice(0, 16)}…\`). The web server prepared ${d.build}.`,
    "",
    "| round | MB/s | MB per CPU-second of the server | first request to last byte | verified downloads | failed | one download, median / p99 | first byte, median / p99 | cores: web server / bare server / clients / postgres | machine busy | TCP memory peak (pages) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...order.map(row),
    "",
    `TCP memory: the machine's sockets at the round's peak (/proc/net/sockstat), against the kernel's \`tcp_mem\` thresholds ${d.tcp_mem_limits ? d.tcp_mem_limits.map(n).join(" / ") : "—"} (low / pressure / high, pages). ${errors.length ? `Errors: ${[...new Set(errors)].join("; ")}` : "No failed downloads."}`,
    "",
  ];
}

/** `npm run bench -- --only download`: the figure alone, with the run's setup. */
export type DownloadOnlyResult = Pick<BenchResult, "finished_at" | "duration_s" | "git" | "machine" | "postgres"> & {
  only: "download";
  downloads: DownloadFigure;
};

export function downloadOnlyMarkdown(r: DownloadOnlyResult): string {
  return [
    `# Flotilla benchmark: device downloads only`,
    "",
    `${r.finished_at} · ${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.mem_gib} GiB · Node ${r.machine.node} · ${r.postgres.version} (${r.postgres.kind}) · git ${r.git.commit}${r.git.dirty ? " (with uncommitted changes)" : ""} · load average at start ${r.machine.loadavg_start.join(" / ")} · run took ${r.duration_s} s`,
    "",
    "| figure | engine | raw ceiling (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    downloadRow(r.downloads),
    "",
    ...downloadDetails(r.downloads),
  ].join("\n");
}

/** `<date>-download-<postgres>.{json,md}`: never latest.*, which only a whole run writes. */
export function writeDownloadResults(dir: string, r: DownloadOnlyResult): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = r.finished_at.replace(/[:]/g, "").replace(/\.\d+Z$/, "Z");
  const pg = r.postgres.kind === "embedded" ? "embedded-pg" : r.postgres.version.replace(/^PostgreSQL /, "pg");
  const files = [path.join(dir, `${stamp}-download-${pg}.json`), path.join(dir, `${stamp}-download-${pg}.md`)];
  fs.writeFileSync(files[0]!, `${JSON.stringify(r, null, 2)}\n`);
  fs.writeFileSync(files[1]!, downloadOnlyMarkdown(r));
  return files;
}
