/**
 * The engine's dispatch in a process of its own, like the worker's: the real
 * `dispatchCampaign` on a command connection (MQTT 3.1.1, as the worker's) and a pool of
 * its own. On each "go" it dispatches the campaign once, signed or not, and reports how
 * long that took. The signed/unsigned pair of bench/dispatch.ts `measureSigning` runs
 * here, so that both variants share everything but the signature.
 */
import { createDb } from "@/lib/db/client";
import { connectMqtt } from "@/lib/mqtt/client";
import { manifestSigners } from "@/lib/ota/signing-keys";
import { dispatchCampaign } from "@/lib/rollout/dispatch";
import { emit, onParentMessage } from "../children";

export interface DispatcherJob {
  databaseUrl: string;
  mqttUrl: string;
  authSecret: string;
  tenantId: string;
  campaignId: number;
}

const job = JSON.parse(process.env.BENCH_JOB!) as DispatcherJob;
const handle = createDb(job.databaseUrl, { max: 10, name: "flotilla-bench-dispatcher" });
const mqtt = await connectMqtt({ url: job.mqttUrl, clientIdPrefix: "bench-dispatch", protocol: 4 });
const signers = manifestSigners(handle.db, job.authSecret);
// The key is read and decrypted before the first measurement, as a running worker has it.
await signers.forTenant(job.tenantId);

let busy = Promise.resolve();
onParentMessage((msg) => {
  if (msg.cmd === "stop") {
    void busy.then(async () => {
      await mqtt.endAsync();
      await handle.close();
      process.exit(0);
    });
    return;
  }
  if (msg.cmd !== "go") return;
  busy = busy.then(async () => {
    const t0 = performance.now();
    const stats = await dispatchCampaign(
      {
        sql: handle.sql,
        mqtt,
        tickIntervalMs: 100,
        publishTimeoutMs: 60_000,
        publicUrl: "http://127.0.0.1:9",
        authSecret: job.authSecret,
        log: (line) => process.stderr.write(`${line}\n`),
        signers,
        unsignedForBench: msg.unsigned === true,
      },
      job.tenantId,
      job.campaignId,
    );
    emit({ type: "done", ms: performance.now() - t0, ...stats });
  });
});
emit({ type: "ready" });
