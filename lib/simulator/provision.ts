import { CREDENTIALS_CSV_COLUMNS } from "@/lib/rules/credentials";
import { z } from "zod";
import type { Db } from "@/lib/db/client";
import { withTenant } from "@/lib/db/tenant";
import { parseDeviceMqttIdentity } from "@/lib/mqtt/identity";
import { issueDeviceCredentials } from "@/lib/ota/credentials";
import { tenantJwks } from "@/lib/ota/signing-keys";
import type { PublicJwk } from "@/lib/rollout/manifest";

/**
 * Where simulated devices get what a factory line gives real ones: their MQTT
 * password (the credentials CSV of a bulk registration, or freshly issued), the tenant's
 * JWKS (from the database, or a file), and the operator's release keys (a file).
 */

/** A malformed credentials, JWKS or key file; the message says where. */
export class ProvisioningFileError extends Error {}

export interface FactoryCredentials {
  tenantId: string;
  deviceId: string;
  password: string;
}

const CREDENTIALS_CSV_HEADER = CREDENTIALS_CSV_COLUMNS;

/**
 * The factory-line CSV a bulk registration answers with (`device_id,client_id,username,password`,
 * the header first, columns in any order). The tenant comes from the username
 * (`{tenant}:{device}`), so one file may hold several tenants. Keyed by username.
 */
export function parseCredentialsCsv(text: string): Map<string, FactoryCredentials> {
  const rows = parseCsv(text);
  const header = rows.shift()?.map((h) => h.trim().toLowerCase());
  const col = Object.fromEntries(CREDENTIALS_CSV_HEADER.map((name) => [name, header?.indexOf(name) ?? -1]));
  const missing = CREDENTIALS_CSV_HEADER.filter((name) => col[name]! < 0);
  if (missing.length > 0) {
    throw new ProvisioningFileError(
      `the header must name ${CREDENTIALS_CSV_HEADER.join(",")}; missing: ${missing.join(", ")}`,
    );
  }
  const out = new Map<string, FactoryCredentials>();
  rows.forEach((row, i) => {
    if (row.length === 1 && row[0]!.trim() === "") return; // a blank line
    const line = i + 2;
    const [deviceId, clientId, username, password] = CREDENTIALS_CSV_HEADER.map((name) => row[col[name]!] ?? "");
    const who = parseDeviceMqttIdentity(username!);
    if (!who || who.deviceId !== deviceId) {
      throw new ProvisioningFileError(`line ${line}: username must be "{tenant}:${deviceId}", not "${username}"`);
    }
    if (clientId !== username) throw new ProvisioningFileError(`line ${line}: client_id must equal username`);
    if (!password) throw new ProvisioningFileError(`line ${line}: no password`);
    out.set(username!, { tenantId: who.tenantId, deviceId: deviceId!, password });
  });
  return out;
}

/** RFC 4180: fields separated by commas, optionally quoted ("" is a quote inside quotes), CRLF or LF lines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const endRow = () => {
    rows.push([...row, field]);
    row = [];
    field = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") {
      endRow();
    } else if (c === "\r") {
      if (text[i + 1] === "\n") i++;
      endRow();
    } else {
      field += c;
    }
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

const Jwk = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  kid: z.string().min(1),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be a 32-byte key, base64url"),
});
/** A JWKS (`{"keys": [...]}`), a list of keys, or one key. */
const JwkFile = z.union([
  z.object({ keys: z.array(Jwk).min(1, "must hold at least one key") }).transform((j) => j.keys),
  z.array(Jwk).min(1, "must hold at least one key"),
  Jwk.transform((k) => [k]),
]);

/** Ed25519 public keys from a JWKS file's text (or one JWK, as `npm run sign-firmware -- --generate-key` prints it). */
export function parseJwkFile(text: string): PublicJwk[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProvisioningFileError("not JSON");
  }
  const parsed = JwkFile.safeParse(json);
  if (!parsed.success) {
    throw new ProvisioningFileError(
      `not a JWKS of Ed25519 keys ({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid", "x"}]}): ${parsed.error.issues[0]?.message}`,
    );
  }
  return parsed.data;
}

/**
 * New credentials for these devices of the tenant, as a registration would issue them
 * (lib/ota/credentials.ts): deviceId → password. Re-keys the devices: whatever password
 * they had stops working.
 */
export async function issueSimulatorCredentials(
  db: Db,
  tenantId: string,
  deviceIds: string[],
): Promise<Map<string, string>> {
  const issued = await withTenant(db, tenantId, (tx) => issueDeviceCredentials(tx, tenantId, deviceIds));
  return new Map([...issued].map(([deviceId, c]) => [deviceId, c.password]));
}

/** The tenant's JWKS, as `GET /customer/ota/signing-keys` serves it (its first key is created if it has none). */
export function readTenantJwks(db: Db, tenantId: string, authSecret: string): Promise<{ keys: PublicJwk[] }> {
  return withTenant(db, tenantId, (tx) => tenantJwks(tx, tenantId, authSecret));
}
