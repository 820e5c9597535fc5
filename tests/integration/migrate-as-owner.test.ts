import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { withTenant } from "@/lib/db/tenant";

/**
 * Production does not run as a superuser: the README's setup is an owner that a
 * DBA has granted `flotilla_app` to. Migrate a new database as such a user and
 * check that tenant queries then run as the RLS-bound role (PostgreSQL 15 and 18).
 */
const serverUrl = new URL(process.env.DATABASE_URL!);
const admin = postgres({ ...parse(serverUrl), database: "postgres", max: 1, onnotice: () => {} });
const suffix = randomBytes(4).toString("hex");
const owner = `flotilla_owner_${suffix}`;
const database = `flotilla_owned_${suffix}`;
const password = randomBytes(12).toString("hex");

function parse(u: URL) {
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

afterAll(async () => {
  await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.unsafe(`DROP ROLE IF EXISTS ${owner}`);
  await admin.end();
});

describe("migrations as a non-superuser owner", () => {
  it("apply, and tenant queries then run as flotilla_app", async () => {
    await admin.unsafe(`CREATE ROLE ${owner} LOGIN NOSUPERUSER PASSWORD '${password}'`);
    await admin.unsafe(`CREATE DATABASE ${database} OWNER ${owner}`);
    await admin.unsafe(`GRANT flotilla_app TO ${owner}`);
    const url = new URL(serverUrl);
    url.username = owner;
    url.password = password;
    url.pathname = `/${database}`;
    await runMigrations(url.toString());
    const handle = createDb(url.toString(), { max: 1 });
    try {
      const [row] = await withTenant(handle.db, "t1", (tx) =>
        tx.execute<{ who: string; n: number }>(
          sql`SELECT current_user AS who, (SELECT count(*) FROM devices)::int AS n`,
        ),
      );
      expect(row).toEqual({ who: "flotilla_app", n: 0 });
    } finally {
      await handle.close();
    }
  });
});
