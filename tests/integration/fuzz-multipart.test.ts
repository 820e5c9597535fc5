/**
 * Fuzz of the firmware upload's multipart bodies (POST /customer/firmware): fixed broken
 * uploads with the statuses each must get, real FormData bodies, and random multipart
 * from a seeded sequence. Each answer must keep the rules in tests/support/fuzz-send.ts,
 * and no file may be left behind. Reproduce a run with
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz-multipart.test.ts
 */
import { expect, it } from "vitest";
import type { Actor } from "../support/fuzz-arrange";
import { describeFuzz, dirSnapshot, filesBefore } from "../support/fuzz-harness";
import { dupMeta, FILE, multipartCases, randomMultipart } from "../support/fuzz-multipart";
import { fnv1a, Rng, SEED } from "../support/fuzz-rng";
import { route } from "../support/fuzz-routes";
import { runCases } from "../support/fuzz-send";

describeFuzz("API fuzz, multipart uploads: a 4xx, never a 500, and nothing changed", () => {
  it("broken multipart uploads answer 4xx and leave no file behind", async () => {
    const r = route("POST /customer/firmware");
    await runCases(
      multipartCases().map((m) => ({
        route: r,
        actor: "admin",
        params: {},
        query: "",
        headers: { "content-type": m.contentType },
        body: m.body,
        bodyNote: m.label,
        expect: m.expect,
      })),
    );
    // Real FormData bodies (boundary chosen by the platform): bad metadata, and a duplicate.
    const form = (metadata: string) => {
      const f = new FormData();
      f.set("metadata", metadata);
      f.set("file", new Blob([FILE]), "fw.bin");
      return f;
    };
    await runCases([
      {
        route: r,
        actor: "admin",
        params: {},
        query: "",
        headers: {},
        body: form("{bad"),
        bodyNote: "=FormData metadata={bad, file",
        expect: [422],
      },
      {
        route: r,
        actor: "admin",
        params: {},
        query: "",
        headers: {},
        body: form(dupMeta),
        bodyNote: `=FormData metadata=${dupMeta}, file`,
        expect: [409],
      },
    ]);
    const rng = new Rng(SEED ^ fnv1a("multipart"));
    await runCases(
      Array.from({ length: 40 }, () => {
        const m = randomMultipart(rng);
        return {
          route: r,
          actor: "admin" as Actor,
          params: {},
          query: "",
          headers: { "content-type": m.contentType },
          body: m.body,
          bodyNote: m.label,
        };
      }),
    );
    expect(dirSnapshot()).toEqual(filesBefore);
  });
});
