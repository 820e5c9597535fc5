import { signToken } from "@/lib/auth/token";
import { spawnTsx } from "./children";
import type { Fleet } from "./fleet";
import type { ProbeJob, ProbeKind } from "./procs/api-probe";
import { latency, type Latency } from "./stats";

export interface Probe {
  setPhase: (phase: string) => void;
  stop: () => Promise<{ byPhase: Record<string, Partial<Record<ProbeKind, Latency>>>; errors: string[] }>;
}

/**
 * Starts the API probe (its own process, with its own pool, like the web server) for the
 * benchmark campaign, signed in as the fleet's viewer. Resolves once it is warm.
 */
export async function startProbe(opts: {
  databaseUrl: string;
  authSecret: string;
  fleet: Fleet;
  campaignId: number;
  gapMs: number;
}): Promise<Probe> {
  const token = await signToken(
    { userId: opts.fleet.userId, tenantId: opts.fleet.tenantId, role: "viewer", email: opts.fleet.email },
    opts.authSecret,
  );
  // A deep page: the middle of the fleet, where OFFSET has the most rows to walk past.
  const deepOffset = Math.floor(opts.fleet.n / 2 / 50) * 50;
  const job: ProbeJob = { token, campaignId: opts.campaignId, deepOffset, gapMs: opts.gapMs };
  const child = spawnTsx("api-probe", "bench/procs/api-probe.ts", {
    ...process.env,
    DATABASE_URL: opts.databaseUrl,
    AUTH_SECRET: opts.authSecret,
    OTA_TICK_INTERVAL_MS: "100",
    DB_POOL_SIZE: "4",
    BENCH_PROBE: JSON.stringify(job),
  });
  await child.next("ready", 120_000);
  return {
    setPhase: (phase) => child.send({ cmd: "phase", phase }),
    stop: async () => {
      child.send({ cmd: "stop" });
      const r = await child.next<{ samples: Record<string, Partial<Record<ProbeKind, number[]>>>; errors: string[] }>(
        "result",
        120_000,
      );
      await child.stop();
      const byPhase: Record<string, Partial<Record<ProbeKind, Latency>>> = {};
      for (const [phase, kinds] of Object.entries(r.samples)) {
        if (phase === "warmup") continue;
        byPhase[phase] = Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, latency(v ?? [])]));
      }
      return { byPhase, errors: r.errors };
    },
  };
}
