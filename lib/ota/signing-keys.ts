import { and, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db, DbOrTx, Tx } from "@/lib/db/client";
import { SIGNING_KEY_LOCK } from "@/lib/db/locks";
import { tenantSigningKeys } from "@/lib/db/schema";
import { Conflict, NotFound } from "@/lib/errors";
import { generateSigningKey, publicJwk, type PublicJwk, type SigningKey } from "@/lib/rollout/manifest";
import { decryptPrivateKey, encryptPrivateKey } from "./signing-key-crypto";

/**
 * Each tenant's Ed25519 command-signing keys. Every unretired key is in the tenant's JWKS,
 * which devices are provisioned with once (at registration or re-key); the unretired key
 * activated last signs every manifest (lib/rollout/manifest.ts). A rotation is two steps,
 * because a device refuses a manifest signed by a key it was not given: stage a key (in the
 * JWKS, not signing), give the fleet the new JWKS, then activate it; the old key stays in
 * the JWKS, verifying what it signed, until retired.
 */

const toJwk = (r: { kid: string; publicX: string }): PublicJwk => ({
  kty: "OKP",
  crv: "Ed25519",
  kid: r.kid,
  x: r.publicX,
});

const lock = (tx: Tx, tenantId: string) =>
  tx.execute(sql`SELECT pg_advisory_xact_lock(${SIGNING_KEY_LOCK}, hashtext(${tenantId}))`);

const unretired = (tenantId: string) =>
  and(eq(tenantSigningKeys.tenantId, tenantId), isNull(tenantSigningKeys.retiredAt));

/**
 * The one order of a tenant's keys: the signer (latest activated) first, then the keys that
 * signed before it, then the staged ones (never activated), newest first. The signer is the
 * first row of this order that has been activated; every query that picks it uses this.
 */
const signingOrder = [
  sql`${tenantSigningKeys.activatedAt} DESC NULLS LAST`,
  desc(tenantSigningKeys.createdAt),
  desc(tenantSigningKeys.kid),
];

/** The signer's row: the unretired key activated last. */
async function activeRow(tx: DbOrTx, tenantId: string) {
  const [row] = await tx
    .select({ kid: tenantSigningKeys.kid, privateKeyEnc: tenantSigningKeys.privateKeyEnc })
    .from(tenantSigningKeys)
    .where(and(unretired(tenantId), isNotNull(tenantSigningKeys.activatedAt)))
    .orderBy(...signingOrder)
    .limit(1);
  return row;
}

/** Where a key is in a rotation: signing, in the JWKS but not signing yet, or signed before the active one. */
export type SigningKeyStatus = "active" | "staged" | "previous";

type KeyRow = { kid: string; publicX: string; createdAt: Date; activatedAt: Date | null };

const keyColumns = {
  kid: tenantSigningKeys.kid,
  publicX: tenantSigningKeys.publicX,
  createdAt: tenantSigningKeys.createdAt,
  activatedAt: tenantSigningKeys.activatedAt,
};

/** A key for operators: its JWK, plus where it is in a rotation (a JWK may carry extra members). */
const keyJson = (r: KeyRow, status: SigningKeyStatus) => ({
  ...toJwk(r),
  status,
  created_at: r.createdAt.toISOString(),
  activated_at: r.activatedAt?.toISOString() ?? null,
});

export type SigningKeyJson = ReturnType<typeof keyJson>;

/** Every unretired key in `signingOrder`. */
const unretiredRows = (tx: DbOrTx, tenantId: string): Promise<KeyRow[]> =>
  tx
    .select(keyColumns)
    .from(tenantSigningKeys)
    .where(unretired(tenantId))
    .orderBy(...signingOrder);

/** The signer among rows in `signingOrder`: the first activated one. */
const signerOf = (rows: KeyRow[]) => rows.find((r) => r.activatedAt !== null);

const statusOf = (r: KeyRow, signer: KeyRow | undefined): SigningKeyStatus =>
  r.activatedAt === null ? "staged" : r.kid === signer?.kid ? "active" : "previous";

async function insertKey(tx: Tx, tenantId: string, authSecret: string, activated: boolean): Promise<KeyRow> {
  const key = generateSigningKey();
  // Not now(), the transaction's start: a key made right after another in one transaction
  // must still be the newer one.
  const at = sql`clock_timestamp()`;
  const [row] = await tx
    .insert(tenantSigningKeys)
    .values({
      tenantId,
      kid: key.kid,
      publicX: publicJwk(key).x,
      privateKeyEnc: encryptPrivateKey(key, tenantId, authSecret),
      createdAt: at,
      activatedAt: activated ? at : null,
    })
    .returning(keyColumns);
  return row!;
}

/**
 * The tenant's signer, created if it has none (the first of two concurrent callers creates
 * it). A tenant's first key signs at once: no device can have been provisioned before it.
 */
export async function ensureSigningKey(tx: Tx, tenantId: string, authSecret: string): Promise<{ kid: string }> {
  const found = await activeRow(tx, tenantId);
  if (found) return { kid: found.kid };
  await lock(tx, tenantId);
  const again = await activeRow(tx, tenantId);
  if (again) return { kid: again.kid };
  return { kid: (await insertKey(tx, tenantId, authSecret, true)).kid };
}

/**
 * Every unretired key, staged ones included, as the JWKS devices are provisioned with: a
 * device given it trusts the key that will sign next before it signs. The signer first.
 * Creates the first key if there is none.
 */
export async function tenantJwks(tx: Tx, tenantId: string, authSecret: string): Promise<{ keys: PublicJwk[] }> {
  await ensureSigningKey(tx, tenantId, authSecret);
  return { keys: (await unretiredRows(tx, tenantId)).map(toJwk) };
}

/** The same keys in the same order, each with its status and dates, for the operator. */
export async function listSigningKeys(
  tx: Tx,
  tenantId: string,
  authSecret: string,
): Promise<{ keys: SigningKeyJson[] }> {
  await ensureSigningKey(tx, tenantId, authSecret);
  const rows = await unretiredRows(tx, tenantId);
  const signer = signerOf(rows);
  return { keys: rows.map((r) => keyJson(r, statusOf(r, signer))) };
}

/**
 * Unretired keys a tenant may have at once, staged ones included: a device keeps the JWKS
 * it was provisioned with in a small fixed store, and a rotation is meant to end with the
 * old key retired.
 */
export const MAX_SIGNING_KEYS = 3;

/**
 * The first step of a rotation: a new key that is in the JWKS but does not sign. Devices
 * provisioned before it know only the older keys; signing with the new one at once would
 * make every one of them refuse every command. It signs once activated, when the operator
 * has given it to the fleet.
 */
export async function stageSigningKey(tx: Tx, tenantId: string, authSecret: string): Promise<SigningKeyJson> {
  await lock(tx, tenantId);
  // A tenant without a key gets its first (active) one: the staged key must not be its only one.
  await ensureSigningKey(tx, tenantId, authSecret);
  const keys = await tx.select({ kid: tenantSigningKeys.kid }).from(tenantSigningKeys).where(unretired(tenantId));
  if (keys.length >= MAX_SIGNING_KEYS) {
    throw new Conflict(`The tenant already has ${keys.length} signing keys: retire one before staging another`);
  }
  return keyJson(await insertKey(tx, tenantId, authSecret, false), "staged");
}

/**
 * The second step: the key signs from now on (the worker picks it up within
 * SIGNER_REFRESH_MS). Activating the signer again changes nothing; activating a key that
 * signed before makes it the signer again.
 */
export async function activateSigningKey(tx: Tx, tenantId: string, kid: string): Promise<SigningKeyJson> {
  await lock(tx, tenantId);
  const rows = await unretiredRows(tx, tenantId);
  const row = rows.find((r) => r.kid === kid);
  if (!row) throw new NotFound(`No signing key ${kid}`);
  if (row.kid === signerOf(rows)?.kid) return keyJson(row, "active");
  const [activated] = await tx
    .update(tenantSigningKeys)
    .set({ activatedAt: sql`clock_timestamp()` })
    .where(and(unretired(tenantId), eq(tenantSigningKeys.kid, kid)))
    .returning(keyColumns);
  return keyJson(activated!, "active");
}

/**
 * Takes a key out of the JWKS for good. Never the last activated one, which would leave
 * nothing to sign commands with (a staged key is not trusted by the fleet yet). Retiring
 * the signer while a key that signed before it remains makes that one the signer again.
 */
export async function retireSigningKey(tx: Tx, tenantId: string, kid: string): Promise<void> {
  await lock(tx, tenantId);
  const rows = await unretiredRows(tx, tenantId);
  if (!rows.some((r) => r.kid === kid)) throw new NotFound(`No signing key ${kid}`);
  const left = rows.filter((r) => r.kid !== kid);
  if (left.length === 0) {
    throw new Conflict("This is the tenant's last signing key: stage and activate another first");
  }
  if (!signerOf(left)) {
    throw new Conflict(
      "This is the tenant's only active signing key: activate a staged one first, so that commands stay signed",
    );
  }
  await tx
    .update(tenantSigningKeys)
    .set({ retiredAt: sql`clock_timestamp()` })
    .where(and(unretired(tenantId), eq(tenantSigningKeys.kid, kid)));
}

export type ManifestSigner = Pick<SigningKey, "kid" | "privateKey">;

/** The worker's view of every tenant's signer. */
export interface ManifestSigners {
  forTenant: (tenantId: string) => Promise<ManifestSigner>;
}

/** How long the worker signs with a key before it looks again (an activation takes effect within this). */
export const SIGNER_REFRESH_MS = 30_000;

/**
 * The signer of each tenant for a process that crosses tenants (the worker, as the
 * owner): read and decrypted once, then looked at again after `refreshMs`, with one query
 * and no decryption unless the key changed. A tenant without a key gets one.
 */
export function manifestSigners(db: Db, authSecret: string, opts: { refreshMs?: number } = {}): ManifestSigners {
  const refreshMs = opts.refreshMs ?? SIGNER_REFRESH_MS;
  const cache = new Map<string, { at: number; signer: Promise<ManifestSigner> }>();
  const load = async (tenantId: string, previous?: Promise<ManifestSigner>): Promise<ManifestSigner> => {
    const row =
      (await activeRow(db, tenantId)) ??
      (await db.transaction(async (tx) => {
        await ensureSigningKey(tx, tenantId, authSecret);
        return activeRow(tx, tenantId);
      }));
    if (!row) throw new Error(`tenant ${tenantId} has no signing key`); // unreachable: just ensured
    const before = await previous?.catch(() => undefined);
    if (before?.kid === row.kid) return before;
    return decryptPrivateKey(row.privateKeyEnc, tenantId, row.kid, authSecret);
  };
  return {
    forTenant(tenantId) {
      const hit = cache.get(tenantId);
      if (hit && Date.now() - hit.at < refreshMs) return hit.signer;
      const signer = load(tenantId, hit?.signer);
      const entry = { at: Date.now(), signer };
      cache.set(tenantId, entry);
      // A failure (the database away, an unreadable key) is not kept: the next dispatch asks again.
      signer.catch(() => {
        if (cache.get(tenantId) === entry) cache.delete(tenantId);
      });
      return signer;
    },
  };
}
