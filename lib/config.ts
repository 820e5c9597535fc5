import path from "node:path";
import { z } from "zod";
import { IDENTIFIER, IDENTIFIER_PATTERN, IDENTIFIER_RULE } from "@/lib/rules/identifiers";

/**
 * Every environment variable Flotilla reads, parsed once. The names are a
 * contract documented in the README; a bad value fails at start with a message
 * that names the variable.
 */
const port = z.coerce.number().int().min(1).max(65535);
const url = (protocols: string[]) =>
  z
    .string()
    .url()
    .refine((v) => protocols.includes(new URL(v).protocol), {
      message: `must start with ${protocols.map((p) => `${p}//`).join(" or ")}`,
    });
const flag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

export const Config = z
  .object({
    PORT: port.default(3000),
    DATABASE_URL: url(["postgres:", "postgresql:"]).optional(),
    MQTT_URL: url(["mqtt:", "mqtts:", "tcp:", "ws:", "wss:"]).optional(),
    MQTT_USERNAME: z.string().min(1).optional(),
    MQTT_PASSWORD: z.string().min(1).optional(),
    MQTT_PORT: port.default(1884),
    // Mosquitto 2 with its dynamic-security plugin: Flotilla provisions each device's client,
    // role and ACLs over $CONTROL/dynamic-security/v1 (lib/mqtt/dynsec.ts). The service
    // credential (MQTT_USERNAME / MQTT_PASSWORD) must be allowed to use that topic.
    MQTT_DYNSEC: flag.default(false),
    // The shared secret that EMQX (or another broker's HTTP hooks) sends to POST /mqtt/auth and /mqtt/acl.
    MQTT_HOOK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    EMBEDDED_PG_PORT: port.default(54329),
    PUBLIC_URL: url(["http:", "https:"]).optional(),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    OTA_TICK_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    OTA_PUBLISH_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
    OTA_WORKER_TENANTS: z
      .string()
      .regex(
        new RegExp(`^${IDENTIFIER_PATTERN}(,${IDENTIFIER_PATTERN})*$`),
        "must be a comma-separated list of tenant ids",
      )
      .transform((v) => v.split(","))
      .optional(),
    MQTT_SHARED_SUBSCRIPTION: z
      .enum(["0", "1", "true", "false", "auto"])
      .default("auto")
      .transform((v) => (v === "auto" ? ("auto" as const) : v === "1" || v === "true")),
    OTA_INGEST_SESSION: z.string().regex(IDENTIFIER, IDENTIFIER_RULE).optional(),
    OTA_PROBE_GRACE_MS: z.coerce.number().int().min(100).max(86_400_000).default(60_000),
    SIMULATE_DEVICES: flag.default(true),
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATA_DIR: z.string().min(1).default(".data"),
    FIRMWARE_DIR: z.string().min(1).optional(),
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    MAX_UPLOAD_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(512 * 1024 * 1024),
  })
  .superRefine((c, ctx) => {
    if (c.DATABASE_URL && !c.AUTH_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["AUTH_SECRET"],
        message: "is required when DATABASE_URL is set (at least 32 random characters)",
      });
    }
  });
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {}

/** Parses an environment; throws a ConfigError naming each bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as shells and .env files commonly write it.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const result = Config.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** The process's configuration, parsed on first use (not at import, so that `next build` needs none). */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/** For processes that cannot run without a database (web, worker): the URL, or a clear error. */
export function requireDatabaseUrl(c: Config = config()): string {
  if (!c.DATABASE_URL) {
    throw new ConfigError("DATABASE_URL is not set. Use `npm start` for the embedded default, or set DATABASE_URL.");
  }
  return c.DATABASE_URL;
}

export function requireAuthSecret(c: Config = config()): string {
  if (!c.AUTH_SECRET) throw new ConfigError("AUTH_SECRET is not set.");
  return c.AUTH_SECRET;
}

export function publicUrl(c: Config = config()): string {
  return (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, "");
}

/** Where stored firmware binaries live (FIRMWARE_DIR, default DATA_DIR/firmware), as an absolute path. */
export function firmwareDir(c: Config = config()): string {
  return path.resolve(c.FIRMWARE_DIR ?? path.join(c.DATA_DIR, "firmware"));
}
