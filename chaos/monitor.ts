import { setTimeout as sleep } from "node:timers/promises";
import type { DbHandle } from "@/lib/db/client";
import type { ScriptedFleet } from "./devices";

/** Watches the campaign once a second (through restarts of the database) and logs progress every 5 s. */
export class Monitor {
  status: string | null = null;
  private stopped = false;
  constructor(
    private readonly handle: DbHandle,
    private readonly campaignId: number,
    private readonly fleet: ScriptedFleet,
    private readonly t0: number,
    private readonly log: (line: string) => void,
  ) {}

  async run() {
    let lastLog = 0;
    while (!this.stopped) {
      try {
        const [c] = await this.handle.sql<Record<string, number | string>[]>`
          SELECT status, pending, downloading, installing, succeeded, failed FROM ota_campaigns WHERE id = ${this.campaignId}`;
        this.status = String(c!.status);
        if (Date.now() - lastLog >= 5000 || this.status !== "RUNNING") {
          lastLog = Date.now();
          const recs = this.fleet.records;
          const commanded = recs.filter((r) => r.commands.size > 0).length;
          const final = recs.filter((r) => r.final).length;
          this.log(
            `+${Math.round((Date.now() - this.t0) / 1000)} s ${c!.status}: pending ${c!.pending}, downloading ${c!.downloading}, installing ${c!.installing}, ` +
              `succeeded ${c!.succeeded}, failed ${c!.failed} | devices commanded ${commanded}, finished ${final}`,
          );
        }
      } catch {
        // The database is away (a db-restart fault): keep watching.
      }
      await sleep(1000);
    }
  }

  async until(statuses: readonly string[], deadline: number): Promise<string | null> {
    while (Date.now() < deadline) {
      if (this.status && statuses.includes(this.status)) return this.status;
      await sleep(250);
    }
    return this.status;
  }

  stop() {
    this.stopped = true;
  }
}
