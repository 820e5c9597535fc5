import fs from "node:fs";
import type postgres from "postgres";

/**
 * Where the CPU went during a phase, from /proc: the whole machine's busy share, and
 * the share of one core used by each process of interest (the worker, the broker, the
 * bench database's PostgreSQL backends). On 2 cores this tells a pipeline that waits
 * from a machine that is simply full.
 */
export interface CpuShare {
  /** Busy fraction of all cores (1 = every core busy). */
  machine: number;
  /** Cores' worth used by each process group (1 = one core fully busy). */
  cores: Record<string, number>;
}

const TICKS = 100; // USER_HZ on Linux

function machineJiffies(): { busy: number; total: number } {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function procJiffies(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may contain spaces) start at ") ".
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}

export interface CpuMeter {
  /** Starts a phase; `end()` gives its shares. */
  start: () => Promise<{ end: () => Promise<CpuShare> }>;
}

/** `pids` are fixed processes by name; PostgreSQL backends of `database` are found at each end. */
export function cpuMeter(
  sql: postgres.Sql,
  database: string,
  pids: () => Record<string, number | undefined>,
): CpuMeter {
  const backends = async () => {
    const rows = await sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${database}`;
    return rows.map((r) => r.pid);
  };
  const snapshot = async () => {
    const fixed = Object.fromEntries(Object.entries(pids()).map(([k, pid]) => [k, pid ? procJiffies(pid) : 0]));
    const pg = new Map((await backends()).map((pid) => [pid, procJiffies(pid)]));
    return { at: performance.now(), machine: machineJiffies(), fixed, pg, bench: process.cpuUsage() };
  };
  return {
    start: async () => {
      const a = await snapshot();
      return {
        end: async () => {
          const b = await snapshot();
          const seconds = (b.at - a.at) / 1000;
          const share = (jiffies: number) => Math.round((jiffies / TICKS / seconds) * 100) / 100;
          const cores: Record<string, number> = {};
          for (const k of Object.keys(b.fixed)) cores[k] = share((b.fixed[k] ?? 0) - (a.fixed[k] ?? 0));
          let pg = 0;
          for (const [pid, j] of b.pg) pg += j - (a.pg.get(pid) ?? 0);
          cores.postgres = share(pg);
          const bench = b.bench.user + b.bench.system - (a.bench.user + a.bench.system);
          cores.bench = Math.round((bench / 1e6 / seconds) * 100) / 100;
          const total = b.machine.total - a.machine.total;
          return {
            machine: total > 0 ? Math.round(((b.machine.busy - a.machine.busy) / total) * 100) / 100 : 0,
            cores,
          };
        },
      };
    },
  };
}
