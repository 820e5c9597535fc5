/**
 * The API latency probe, in a process of its own (as the web server would be): calls
 * the campaign-detail and device-page route handlers directly with a real Request and
 * a bearer token (the same path as over HTTP: auth, parsing, the tenant transaction
 * under RLS, JSON), and records each latency by phase ("idle" before the flood, "ingest"
 * during it).
 */
import { GET as devicesRoute } from "@/app/customer/ota/campaigns/[id]/devices/route";
import { GET as detailRoute } from "@/app/customer/ota/campaigns/[id]/route";
import { sql } from "drizzle-orm";
import { verifyToken } from "@/lib/auth/token";
import { withTenant } from "@/lib/db/tenant";
import { webDb } from "@/lib/db/web";
import { emit, onParentMessage } from "../children";

export interface ProbeJob {
  token: string;
  campaignId: number;
  deepOffset: number;
  gapMs: number;
}
export type ProbeKind = "detail" | "page_first" | "page_deep" | "tx_floor" | "jwt";

const job = JSON.parse(process.env.BENCH_PROBE!) as ProbeJob;
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

interface ProbeRequest {
  kind: ProbeKind;
  run: () => Promise<void>;
}

const route = (kind: ProbeKind, handler: Handler, path: string, expect: number): ProbeRequest => ({
  kind,
  run: async () => {
    const req = new Request(`http://flotilla.bench/customer/ota/campaigns/${job.campaignId}${path}`, {
      headers: { authorization: `Bearer ${job.token}` },
    });
    const res = await handler(req, { params: Promise.resolve({ id: String(job.campaignId) }) });
    const body = (await res.json()) as { devices?: unknown[] };
    if (res.status !== 200) throw new Error(`${kind}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    if (expect >= 0 && body.devices?.length !== expect)
      throw new Error(`${kind}: ${body.devices?.length} devices, expected ${expect}`);
  },
});

const requests: ProbeRequest[] = [
  route("detail", detailRoute as Handler, "", -1),
  route("page_first", devicesRoute as Handler, "/devices?limit=50&offset=0", 50),
  route("page_deep", devicesRoute as Handler, `/devices?limit=50&offset=${job.deepOffset}`, 50),
];
/** The floors under the detail: the tenant transaction around `SELECT 1`, and the token check alone. */
const floors: ProbeRequest[] = [
  {
    kind: "tx_floor",
    run: async () => {
      await withTenant(webDb().db, tenantOf(job.token), (tx) => tx.execute(sql`SELECT 1`));
    },
  },
  {
    kind: "jwt",
    run: async () => {
      if (!(await verifyToken(job.token, process.env.AUTH_SECRET!))) throw new Error("jwt: token refused");
    },
  },
];

function tenantOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { tid: string };
  return payload.tid;
}

let phase = "warmup";
let stopping = false;
const samples: Record<string, Partial<Record<ProbeKind, number[]>>> = {};
const errors: string[] = [];

async function once(r: ProbeRequest): Promise<number> {
  const t0 = performance.now();
  await r.run();
  return performance.now() - t0;
}

/**
 * Two loops at once, each one request at a time: the campaign detail (what every open
 * dashboard polls) with its two floors, and the two device pages alternating. At a million devices a
 * page takes seconds; the detail's sample must not wait behind it.
 */
async function loop(reqs: ProbeRequest[]) {
  for (let round = 0; !stopping; round++) {
    for (const r of reqs) {
      if (stopping) break;
      try {
        const ms = await once(r);
        const p = (samples[phase] ??= {});
        (p[r.kind] ??= []).push(ms);
      } catch (err) {
        if (errors.length < 20) errors.push((err as Error).message);
      }
      if (job.gapMs > 0) await new Promise((res) => setTimeout(res, job.gapMs));
    }
    if (round === 2) warm++;
  }
}

let warm = 0;
const loops = [loop([requests[0]!, ...floors]), loop(requests.slice(1))];
// Connections opened, modules and plans warm (three rounds of each loop): the parent may start measuring.
const ready = setInterval(() => {
  if (warm < 2) return;
  clearInterval(ready);
  emit({ type: "ready" });
}, 20);
void Promise.all(loops).then(() => {
  emit({ type: "result", samples, errors });
  process.exit(0);
});

onParentMessage((msg) => {
  if (msg.cmd === "phase") phase = String(msg.phase);
  if (msg.cmd === "stop") stopping = true;
});
process.on("SIGTERM", () => process.exit(0));
