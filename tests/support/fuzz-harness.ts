/**
 * What every fuzz file (tests/integration/fuzz-*.test.ts) does around its requests: a
 * firmware directory of its own, the arranged data, a snapshot of both before the first
 * request, and a last test that finds them exactly as they were, with no error escaped
 * and Object.prototype unpolluted. The rules each answer must keep are in fuzz-send.ts.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { firmwareDir } from "@/lib/config";
import { TENANT_TABLES } from "./db";
import { a, arrange, b, handle } from "./fuzz-arrange";
import { SEED } from "./fuzz-rng";
import { escaped, escapedPinned, failures, onEscaped, stats } from "./fuzz-send";

// A firmware directory of each fuzz file's own, so that uploads by test files running in
// parallel cannot show up in the before/after comparison. Set, like the hook secret below,
// before anything reads the configuration (config() parses on first use), restored in afterAll.
const sharedFirmwareDir = process.env.FIRMWARE_DIR;
const ownFirmwareDir = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-fuzz-fw-"));
process.env.FIRMWARE_DIR = ownFirmwareDir;
// The MQTT hooks answer 404 without a secret, before reading the body: with one, the fuzz
// reaches their parsing and their answers (the "hook" actor sends it; fuzz-arrange.ts).
const sharedHookSecret = process.env.MQTT_HOOK_SECRET;
process.env.MQTT_HOOK_SECRET ||= randomBytes(32).toString("base64url");

/** Per table: the arranged tenants' row count and an md5 over their rows in a stable order. */
async function dbSnapshot() {
  const out: Record<string, { rows: number; md5: string }> = {};
  for (const t of TENANT_TABLES) {
    const [r] = await handle.sql<{ rows: number; md5: string | null }[]>`
      SELECT count(*)::int AS rows, md5(coalesce(string_agg(x::text, E'\n' ORDER BY x::text), '')) AS md5
      FROM ${handle.sql(t)} x WHERE x.tenant_id IN ${handle.sql([a.tenantId, b.tenantId])}`;
    out[t] = { rows: r!.rows, md5: r!.md5 ?? "" };
  }
  return out;
}

/** Every file under the firmware directory (tmp/ included), with its size. */
export function dirSnapshot(dir = firmwareDir()): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return `${path.relative(dir, full)} ${fs.statSync(full).size}`;
    })
    .sort();
}

let dbBefore: Awaited<ReturnType<typeof dbSnapshot>>;
export let filesBefore: string[];

/**
 * A describe block of fuzz tests between the arranged data and the check that nothing
 * changed. `note` is added to the run's first log line.
 */
export function describeFuzz(title: string, tests: () => void, note = "") {
  beforeAll(async () => {
    console.log(`[fuzz] seed ${SEED} (reproduce with FUZZ_SEED=${SEED})${note}`);
    process.on("uncaughtException", onEscaped);
    process.on("unhandledRejection", onEscaped);
    await arrange();
    dbBefore = await dbSnapshot();
    filesBefore = dirSnapshot();
  });

  afterAll(async () => {
    console.log(
      `[fuzz] seed ${SEED}: ${stats.requests} requests to ${stats.byRoute.size} route handlers; statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort()))}; ${failures.length} failing`,
    );
    for (const f of failures)
      console.log(`[fuzz] FAIL ${f.status} (${f.verdict}): ${f.full}\n        answer: ${f.body}`);
    process.off("uncaughtException", onEscaped);
    process.off("unhandledRejection", onEscaped);
    await handle.close();
    if (sharedFirmwareDir === undefined) delete process.env.FIRMWARE_DIR;
    else process.env.FIRMWARE_DIR = sharedFirmwareDir;
    if (sharedHookSecret === undefined) delete process.env.MQTT_HOOK_SECRET;
    else process.env.MQTT_HOOK_SECRET = sharedHookSecret;
    fs.rmSync(ownFirmwareDir, { recursive: true, force: true });
  });

  describe(title, () => {
    tests();

    it("leaves the database and the firmware directory exactly as arranged", async () => {
      expect(await dbSnapshot()).toEqual(dbBefore);
      expect(dirSnapshot()).toEqual(filesBefore);
      // Every error that escaped a handler was pinned on a request above (none came later).
      expect(escaped.length).toBe(escapedPinned);
      const fresh = {} as Record<string, unknown>;
      expect([fresh.role, fresh.isAdmin, fresh.polluted, fresh.x, fresh.tenantId]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    });
  });
}
