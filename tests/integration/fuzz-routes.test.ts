/**
 * Fuzz of every route with random requests: for each exported method handler of each
 * app/**\/route.ts, FUZZ_PER_ROUTE requests (36 by default) of random actors, path
 * parameters, query strings, headers and bodies, drawn from the route's own seeded
 * sequence. Each answer must keep the rules in tests/support/fuzz-send.ts (a 4xx, never
 * a 500), and the arranged data must be unchanged afterwards. Reproduce a run with
 *
 *   FUZZ_SEED=<seed> npx vitest run tests/integration/fuzz-routes.test.ts
 */
import { expect, it } from "vitest";
import { describeFuzz } from "../support/fuzz-harness";
import { bodySpecs } from "../support/fuzz-json";
import { randomCase } from "../support/fuzz-random";
import { fnv1a, PER_ROUTE, Rng, SEED } from "../support/fuzz-rng";
import { MODULES, ROUTES, routeFilesOnDisk } from "../support/fuzz-routes";
import { runCases } from "../support/fuzz-send";

describeFuzz(
  "API fuzz, random requests to every route: a 4xx, never a 500, and nothing changed",
  () => {
    it("covers every route file and every exported method", () => {
      expect(Object.keys(MODULES).sort()).toEqual(routeFilesOnDisk());
      expect(ROUTES.length).toBeGreaterThanOrEqual(31);
    });

    for (const r of ROUTES) {
      it(`random requests: ${r.name}`, async () => {
        const rng = new Rng(SEED ^ fnv1a(r.name));
        const specs = bodySpecs();
        await runCases(Array.from({ length: PER_ROUTE }, () => randomCase(rng, r, specs)));
      });
    }
  },
  `, ${PER_ROUTE} random requests per route handler`,
);
