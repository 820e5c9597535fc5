/**
 * A load generator in a process of its own. Connects, says "ready", and on "go"
 * publishes its job at QoS 1 with a bounded window per connection, then reports when
 * it started and when the broker had acknowledged everything.
 *
 * - ceiling: `count` commands to tenant/{t}/device/{d}/ota on one connection: the bare
 *   publisher→subscriber loop that dispatch is compared with.
 * - flood: status reports for devices 0…n-1 of a campaign from `connections`
 *   connections, in three waves per connection (DOWNLOADING 50 %, INSTALLING,
 *   SUCCESS), as a fleet reporting its progress would.
 */
import { randomBytes } from "node:crypto";
import mqtt from "mqtt";
import { emit, onParentMessage } from "../children";
import { deviceId } from "../fleet";
import { publishWindowed } from "../mqtt";

export type PublisherJob =
  | { kind: "ceiling"; url: string; tenantId: string; count: number; window: number; payload: string }
  | {
      kind: "flood";
      url: string;
      tenantId: string;
      campaignId: number;
      n: number;
      connections: number;
      window: number;
      version: string;
    };

const job = JSON.parse(process.env.BENCH_JOB!) as PublisherJob;
const connections = job.kind === "flood" ? job.connections : 1;
const clients = await Promise.all(
  Array.from({ length: connections }, () =>
    mqtt.connectAsync(job.url, {
      clientId: `bench-pub-${randomBytes(4).toString("hex")}`,
      clean: true,
      reconnectPeriod: 0,
    }),
  ),
);

const WAVES = [
  { status: "DOWNLOADING", progress: 50 },
  { status: "INSTALLING", progress: 0 },
  { status: "SUCCESS", progress: 100 },
] as const;

async function run(): Promise<{ acked: number; failed: number; sent: number }> {
  if (job.kind === "ceiling") {
    const r = await publishWindowed(
      clients[0]!,
      job.count,
      (i) => ({ topic: `tenant/${job.tenantId}/device/${deviceId(i)}/ota`, payload: job.payload }),
      job.window,
    );
    return { ...r, sent: job.count };
  }
  const payloads = WAVES.map((w) =>
    JSON.stringify({
      campaign_id: job.campaignId,
      status: w.status,
      progress: w.progress,
      error: null,
      ...(w.status === "SUCCESS" ? { version: job.version } : {}),
    }),
  );
  const per = Math.ceil(job.n / connections);
  const results = await Promise.all(
    clients.map((client, k) => {
      const start = k * per;
      const slice = Math.max(0, Math.min(job.n, start + per) - start);
      return publishWindowed(
        client,
        slice * WAVES.length,
        (i) => ({
          topic: `tenant/${job.tenantId}/device/${deviceId(start + (i % slice))}/ota/status`,
          payload: payloads[Math.floor(i / slice)]!,
        }),
        job.window,
      );
    }),
  );
  const acked = results.reduce((s, r) => s + r.acked, 0);
  const failed = results.reduce((s, r) => s + r.failed, 0);
  return { acked, failed, sent: acked + failed };
}

onParentMessage((msg) => {
  if (msg.cmd !== "go") return;
  const startedAt = Date.now();
  void run().then(async (r) => {
    emit({ type: "done", startedAt, endedAt: Date.now(), ...r });
    await Promise.all(clients.map((c) => c.endAsync()));
    process.exit(0);
  });
});
process.on("SIGTERM", () => process.exit(0));
emit({ type: "ready" });
