import { parseArgs } from "node:util";
import { z } from "zod";
import { IDENTIFIER, IDENTIFIER_RULE } from "@/lib/rules/identifiers";

export const SIMULATE_USAGE = `Usage: npm run simulate -- --tenant T [--group G | --devices a,b,c] [options]

  --tenant T           tenant id; several, comma-separated, with --group or alone
  --group G            simulate the members of this device group (read from DATABASE_URL)
  --devices a,b,c      simulate exactly these device ids (no database needed)
                       (neither: the devices in --credentials, or else every device
                       of the tenant, from the database)

Credentials and keys (as a factory line provisions real devices):
  --credentials F      the devices' MQTT credentials: the CSV a bulk registration answers
                       with (device_id,client_id,username,password)
  --issue-credentials  issue new credentials to every simulated device now (database
                       needed; their old passwords stop working). For demos
                       (neither: devices connect with MQTT_USERNAME / MQTT_PASSWORD, for
                       an open test broker only)
  --jwks F             the tenant's signing keys (JWKS file, as GET /customer/ota/signing-keys
                       serves it). Without it, read from the database when one is used
                       (needs AUTH_SECRET); with neither, devices verify no manifest
  --release-keys F     release public keys (JWKS or one JWK): every manifest must then
                       carry a release signature by one of them

Behaviour:
  --fail-rate R        probability 0-1 that an update fails at install (default 0)
  --silent-rate R      probability 0-1 that a device goes silent after a command (default 0)
  --interrupt-rate R   probability 0-1 that a download is cut mid-way and resumed (default 0)
  --delay-ms N         pause between update steps, in ms (default 200)
  --concurrency N      MQTT connections opened at once while starting (default 50)

Devices whose id contains "-fail-" always fail. MQTT_URL names the broker.`;

// The API's identifier rule: tenant and device ids become MQTT topic levels.
const Id = z.string().regex(IDENTIFIER, IDENTIFIER_RULE);
const IdList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(Id).min(1, "must name at least one id"));
const File = z.string().min(1, "must name a file");
const Rate = z.coerce.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1");

export const SimulateArgs = z
  .object({
    tenant: IdList.transform((ids) => [...new Set(ids)]),
    group: Id.optional(),
    devices: IdList.transform((ids) => [...new Set(ids)]).optional(),
    credentials: File.optional(),
    "issue-credentials": z.boolean().default(false),
    jwks: File.optional(),
    "release-keys": File.optional(),
    "fail-rate": Rate.default(0),
    "silent-rate": Rate.default(0),
    "interrupt-rate": Rate.default(0),
    "delay-ms": z.coerce.number().int("must be a whole number").min(0).max(600_000).default(200),
    concurrency: z.coerce.number().int("must be a whole number").min(1).max(10_000).default(50),
  })
  .superRefine((a, ctx) => {
    if (a.group && a.devices)
      ctx.addIssue({ code: "custom", path: ["devices"], message: "cannot be combined with --group" });
    if (a.credentials && a["issue-credentials"]) {
      ctx.addIssue({ code: "custom", path: ["issue-credentials"], message: "cannot be combined with --credentials" });
    }
    if (a.devices && a.tenant.length > 1) {
      ctx.addIssue({ code: "custom", path: ["tenant"], message: "must name one tenant when --devices is given" });
    }
  });
export type SimulateArgs = z.infer<typeof SimulateArgs>;

export class ArgsError extends Error {}

/** The command line, validated; throws an ArgsError whose message names each bad option. */
export function parseSimulateArgs(argv: string[]): SimulateArgs | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: "string" },
        group: { type: "string" },
        devices: { type: "string" },
        credentials: { type: "string" },
        "issue-credentials": { type: "boolean" },
        jwks: { type: "string" },
        "release-keys": { type: "string" },
        "fail-rate": { type: "string" },
        "silent-rate": { type: "string" },
        "interrupt-rate": { type: "string" },
        "delay-ms": { type: "string" },
        concurrency: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new ArgsError(err instanceof Error ? err.message : String(err));
  }
  if (values.help) return "help";
  const { help: _help, ...rest } = values;
  const result = SimulateArgs.safeParse(rest);
  if (!result.success) {
    const describe = (i: z.core.$ZodIssue) => {
      const name = i.path[0] === undefined ? undefined : String(i.path[0]);
      if (name === undefined) return i.message;
      if (i.code !== "invalid_type") return `--${name}: ${i.message}`;
      const raw = rest[name];
      if (raw === undefined) return `--${name}: is required`;
      // Coercion makes "abc" NaN; a finite number that fails here broke a rule such as "whole number".
      return `--${name}: ${Number.isFinite(Number(raw)) ? i.message : `must be a number, not "${String(raw)}"`}`;
    };
    throw new ArgsError(result.error.issues.map(describe).join("\n"));
  }
  return result.data;
}
