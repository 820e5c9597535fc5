import fs from "node:fs";
import path from "node:path";
import type { SigningFigure, SigningRound } from "./dispatch";
import type { BenchResult } from "./report";

/** The signed-dispatch figure in Markdown: its row of the main table, and its details. */

const n = (x: number) => x.toLocaleString("en-US");

export function signingRow(s: SigningFigure): string {
  return `| dispatch with a signed manifest per device (${n(s.devices)} devices, commanded/s) | ${n(s.signed.perSecond)}/s | the same dispatch without manifests: ${n(s.unsigned.perSecond)}/s | ${s.ratio} × | ≥ 0.8 × | ${s.met ? "✅" : "❌"} |`;
}

export function signingDetails(s: SigningFigure): string[] {
  const cores = (r: SigningRound) =>
    r.cpu
      ? Object.entries(r.cpu.cores)
          .filter(([k]) => ["dispatcher", "postgres", "bench", "broker"].some((p) => k.startsWith(p)))
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")
      : "—";
  const row = (r: SigningRound) =>
    `| ${r.signed ? "signed" : "unsigned"} | ${n(r.perSecond)} | ${n(r.ms)} ms | ${n(r.engine_ms)} ms | ${n(r.received)} | ${n(r.dropped)} | ${cores(r)} | ${r.cpu ? `${Math.round(r.cpu.machine * 100)} %` : "—"} |`;
  return [
    "### Dispatch with signing",
    "",
    `${s.how}.`,
    "",
    "| round | commands/s | first to last | engine | received | dropped | cores | machine busy |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...s.rounds.map(row),
    "",
  ];
}

/** `npm run bench -- --only dispatch`: the figure alone, with the run's setup. */
export type SigningOnlyResult = Pick<BenchResult, "finished_at" | "duration_s" | "git" | "machine" | "postgres"> & {
  only: "dispatch";
  signing: SigningFigure;
};

export function signingOnlyMarkdown(r: SigningOnlyResult): string {
  return [
    `# Flotilla benchmark: dispatch with signing only`,
    "",
    `${r.finished_at} · ${r.machine.cpus} × ${r.machine.cpu_model}, ${r.machine.mem_gib} GiB · Node ${r.machine.node} · ${r.postgres.version} (${r.postgres.kind}) · git ${r.git.commit}${r.git.dirty ? " (with uncommitted changes)" : ""} · load average at start ${r.machine.loadavg_start.join(" / ")} · run took ${r.duration_s} s`,
    "",
    "| figure | engine | raw ceiling (same run) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- |",
    signingRow(r.signing),
    "",
    ...signingDetails(r.signing),
  ].join("\n");
}

/** `<date>-signing-<devices>-<postgres>.{json,md}`: never latest.*, which only a whole run writes. */
export function writeSigningResults(dir: string, r: SigningOnlyResult): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = r.finished_at.replace(/[:]/g, "").replace(/\.\d+Z$/, "Z");
  const pg = r.postgres.kind === "embedded" ? "embedded-pg" : r.postgres.version.replace(/^PostgreSQL /, "pg");
  const base = `${stamp}-signing-${r.signing.devices / 1000}k-${pg}`;
  const files = [path.join(dir, `${base}.json`), path.join(dir, `${base}.md`)];
  fs.writeFileSync(files[0]!, `${JSON.stringify(r, null, 2)}\n`);
  fs.writeFileSync(files[1]!, signingOnlyMarkdown(r));
  return files;
}
