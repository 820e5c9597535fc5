/**
 * "Require signed firmware": uploads and URL registrations checked against the tenant's
 * release keys, with keys made and images signed by `npm run sign-firmware` run as a
 * process, as an operator's build pipeline runs it. Refused uploads must leave neither a
 * file nor a row. The last block repeats the upload over the real socket against the
 * production server (skipped without a build, like the other wire tests).
 *
 * This file stores its uploads in a FIRMWARE_DIR of its own, so that "nothing stored" is
 * exact while other files upload at the same time.
 */
import { execFile } from "node:child_process";
import { createHash, createPublicKey } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as firmware from "@/app/customer/firmware/route";
import * as one from "@/app/customer/firmware/[id]/route";
import * as keys from "@/app/customer/ota/release-keys/route";
import * as oneKey from "@/app/customer/ota/release-keys/[kid]/route";
import * as settings from "@/app/customer/ota/settings/route";
import { thumbprint } from "@/lib/rollout/manifest";
import { callAs } from "../support/api";
import { createTestTenant, testDb, type TestTenant } from "../support/db";
import { distDir, hasBuild, startWebServer, WEB_SERVER_HOOK_TIMEOUT_MS, type WebServer } from "../support/web-server";

const run = promisify(execFile);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "flotilla-signed-"));
const storage = path.join(work, "firmware");
process.env.FIRMWARE_DIR = storage;

/** `npm run sign-firmware -- …` as a process: its stdout. */
async function signFirmware(args: string[], viaNpm = false): Promise<string> {
  const { stdout } = viaNpm
    ? // npm runs the script in the package's directory: paths are the caller's (cwd: work).
      await run("npm", ["--prefix", process.cwd(), "run", "--silent", "sign-firmware", "--", ...args], { cwd: work })
    : await run(process.execPath, ["--import", "tsx", "scripts/sign-firmware.ts", ...args]);
  return stdout;
}

interface Jwk {
  kty: string;
  crv: string;
  kid: string;
  x: string;
}
interface Signed {
  checksum_sha256: string;
  release_signature: string;
  release_kid: string;
}

const image = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 37 + 11) % 256));
const other = Buffer.from("another image, signed but not uploaded\n".repeat(50));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const handle = testDb();
let t: TestTenant; // requires signed firmware
let open: TestTenant; // does not
let key1: Jwk; // registered with t
let key2: Jwk; // registered with t, then retired
let keyOther: Jwk; // registered with `open` only
let signed1: Signed; // image, by key1
let signed2: Signed; // image, by key2
let signedOther: Signed; // `other`, by key1
let signedByOther: Signed; // image, by keyOther

beforeAll(async () => {
  fs.writeFileSync(path.join(work, "image.bin"), image);
  fs.writeFileSync(path.join(work, "other.bin"), other);
  const generate = async (file: string) =>
    JSON.parse(await signFirmware(["--generate-key", path.join(work, file)])) as Jwk;
  [key1, key2, keyOther] = await Promise.all([generate("k1.pem"), generate("k2.pem"), generate("kother.pem")]);
  const sign = async (key: string, file: string) =>
    JSON.parse(await signFirmware(["--key", path.join(work, key), "--json", path.join(work, file)])) as Signed;
  [signed1, signed2, signedOther, signedByOther] = await Promise.all([
    sign("k1.pem", "image.bin"),
    sign("k2.pem", "image.bin"),
    sign("k1.pem", "other.bin"),
    sign("kother.pem", "image.bin"),
  ]);

  t = await createTestTenant(handle, "signed");
  open = await createTestTenant(handle, "unsigned");
  for (const [tenant, jwk, name] of [
    [t, key1, "build server"],
    [t, key2, "old build server"],
    [open, keyOther, "other"],
  ] as const) {
    const res = await callAs(tenant, "admin", keys.POST, { body: { name, public_key: jwk } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }
  expect((await callAs(t, "admin", oneKey.DELETE, { params: { kid: key2.kid }, method: "DELETE" })).status).toBe(204);
  const on = await callAs(t, "admin", settings.PATCH, { body: { require_signed_firmware: true }, method: "PATCH" });
  expect(on.body).toEqual({ require_signed_firmware: true });
}, 120_000);

afterAll(async () => {
  await handle.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const storedFiles = () => (fs.existsSync(storage) ? fs.readdirSync(storage).filter((f) => f.endsWith(".bin")) : []);
const rowsOf = async (tenant: TestTenant, version: string) =>
  handle.sql`SELECT id FROM firmware_versions WHERE tenant_id = ${tenant.tenantId} AND version = ${version}`;

function uploadForm(metadata: Record<string, unknown>, file: Buffer = image) {
  const form = new FormData();
  form.set("metadata", JSON.stringify(metadata));
  form.set("file", new Blob([new Uint8Array(file)]), "fw.bin");
  return form;
}
const upload = (tenant: TestTenant, metadata: Record<string, unknown>, file?: Buffer) =>
  callAs(tenant, "operator", firmware.POST, { body: uploadForm(metadata, file) });
const registerUrl = (tenant: TestTenant, body: Record<string, unknown>) =>
  callAs(tenant, "operator", firmware.POST, { body: { file_url: "https://cdn.example/fw.bin", ...body } });
const sigOnly = (s: Signed) => ({ release_signature: s.release_signature });

describe("sign-firmware (the script)", () => {
  it("prints the image's SHA-256, a signature and the key id the server computes for the same key", async () => {
    expect(signed1.checksum_sha256).toBe(sha(image));
    expect(signed1.release_kid).toBe(key1.kid);
    expect(key1.kid).toBe(
      thumbprint(createPublicKey({ key: { kty: key1.kty, crv: key1.crv, x: key1.x }, format: "jwk" })),
    );
    expect(fs.statSync(path.join(work, "k1.pem")).mode & 0o777).toBe(0o600);
    // The documented command, with paths relative to where it is run.
    const out = await signFirmware(["--key", "k1.pem", "image.bin"], true);
    expect(out).toContain(`sha256: ${sha(image)}`);
    expect(out).toContain(`release_signature: ${signed1.release_signature}`); // Ed25519 is deterministic
    expect(out).toContain(`release_kid: ${key1.kid}`);
    // It never overwrites a key.
    await expect(signFirmware(["--generate-key", path.join(work, "k1.pem")])).rejects.toThrow(/refusing to overwrite/);
  });
});

describe("uploads with require_signed_firmware on", () => {
  it("refuses an unsigned upload with 422 and keeps neither file nor row", async () => {
    const before = storedFiles();
    const res = await upload(t, { version: "1.0.0-unsigned" });
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({
      loc: ["body", "metadata", "release_signature"],
      msg: expect.stringMatching(/^this tenant requires signed firmware: /),
    });
    expect(storedFiles()).toEqual(before);
    expect(await rowsOf(t, "1.0.0-unsigned")).toHaveLength(0);
  });

  it("accepts the image signed by the script's key (with or without release_kid) and stores the signature", async () => {
    const before = storedFiles();
    const res = await upload(t, { version: "2.0.0", ...sigOnly(signed1) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      version: "2.0.0",
      checksum_sha256: sha(image),
      release_signature: signed1.release_signature,
      release_kid: key1.kid,
    });
    expect(storedFiles()).toHaveLength(before.length + 1);
    const [row] =
      await handle.sql`SELECT release_signature, release_kid FROM firmware_versions WHERE id = ${res.body.id}`;
    expect(row).toEqual({ release_signature: signed1.release_signature, release_kid: key1.kid });
    const read = await callAs(t, "viewer", one.GET, { params: { id: String(res.body.id) } });
    expect(read.body).toMatchObject({ release_signature: signed1.release_signature, release_kid: key1.kid });

    const withKid = await upload(t, { version: "2.0.1", ...signed1 });
    expect(withKid.status).toBe(201);
    expect(withKid.body.release_kid).toBe(key1.kid);
  });

  it("refuses a wrong signature, another tenant's key and a retired key (422), keeping nothing", async () => {
    const before = storedFiles();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      // A genuine signature, but of other bytes.
      [sigOnly(signedOther), "release_signature", /^release signature does not verify against any release key$/],
      [
        { ...sigOnly(signedOther), release_kid: key1.kid },
        "release_signature",
        new RegExp(`^release signature does not verify against release key ${key1.kid}$`),
      ],
      // Signed by a key this tenant does not have (another tenant's).
      [sigOnly(signedByOther), "release_signature", /does not verify against any release key/],
      [signedByOther, "release_kid", new RegExp(`release key ${keyOther.kid} is not registered`)],
      // Signed by a key the tenant has retired.
      [sigOnly(signed2), "release_signature", /does not verify against any release key/],
      [signed2, "release_kid", new RegExp(`release key ${key2.kid} is retired`)],
      // A kid without a signature.
      [{ release_kid: key1.kid }, "release_kid", /there is none/],
      // Not even a signature's shape: the schema's 422.
      [{ release_signature: "abc" }, "release_signature", /86 base64url characters/],
    ];
    for (const [i, [fields, field, msg]] of cases.entries()) {
      const version = `3.0.${i}`;
      const res = await upload(t, { version, ...fields });
      expect(res.status, `${version} ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.detail[0].loc).toEqual(["body", "metadata", field]);
      expect(res.body.detail[0].msg).toMatch(msg);
      expect(await rowsOf(t, version)).toHaveLength(0);
    }
    expect(storedFiles()).toEqual(before);
  });
});

describe("registration by URL", () => {
  it("follows the same rules, against the declared checksum_sha256", async () => {
    const unsigned = await registerUrl(t, { version: "4.0.0", checksum_sha256: sha(image) });
    expect(unsigned.status).toBe(422);
    expect(unsigned.body.detail[0]).toMatchObject({
      loc: ["body", "release_signature"],
      msg: expect.stringMatching(/^this tenant requires signed firmware: /),
    });

    const ok = await registerUrl(t, { version: "4.0.1", ...signed1 });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ release_signature: signed1.release_signature, release_kid: key1.kid });

    // The signature must be over the checksum that devices will check: another image's is refused.
    const mismatch = await registerUrl(t, { version: "4.0.2", checksum_sha256: sha(other), ...sigOnly(signed1) });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.detail[0].msg).toBe("release signature does not verify against any release key");
    // Without a checksum there is nothing to verify the signature against.
    const noChecksum = await registerUrl(t, { version: "4.0.3", ...sigOnly(signed1) });
    expect(noChecksum.status).toBe(422);
    expect(noChecksum.body.detail[0].loc).toEqual(["body", "checksum_sha256"]);
    const retired = await registerUrl(t, { version: "4.0.4", ...signed2 });
    expect(retired.status).toBe(422);
    expect(retired.body.detail[0].msg).toMatch(/is retired/);
    for (const v of ["4.0.0", "4.0.2", "4.0.3", "4.0.4"]) expect(await rowsOf(t, v)).toHaveLength(0);
  });
});

describe("a tenant that does not require signed firmware", () => {
  it("accepts unsigned firmware (signature null) but still refuses a signature that does not verify", async () => {
    const unsigned = await upload(open, { version: "1.0.0" });
    expect(unsigned.status).toBe(201);
    expect(unsigned.body).toMatchObject({ release_signature: null, release_kid: null });
    const url = await registerUrl(open, { version: "1.0.1" });
    expect(url.body).toMatchObject({ release_signature: null, release_kid: null });

    const before = storedFiles();
    const wrong = await upload(open, { version: "1.0.2", ...sigOnly(signed1) });
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail[0].msg).toBe("release signature does not verify against any release key");
    expect(storedFiles()).toEqual(before);

    const good = await upload(open, { version: "1.0.3", ...sigOnly(signedByOther) });
    expect(good.body).toMatchObject({ release_kid: keyOther.kid });
  });
});

if (!hasBuild) {
  console.warn(`[firmware-signed] wire test skipped: no production build in ${distDir}/ (run \`npm test\`)`);
}

describe.skipIf(!hasBuild)("over the wire (the production web server)", () => {
  let server: WebServer | undefined;
  beforeAll(async () => {
    server = await startWebServer();
  }, WEB_SERVER_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses an unsigned upload (422, nothing kept) and stores a signed one", async () => {
    const login = await fetch(`${server!.base}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: t.users.operator.email, password: t.password }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const post = (metadata: Record<string, unknown>) =>
      fetch(`${server!.base}/customer/firmware`, {
        method: "POST",
        headers: { Authorization: `Bearer ${access_token}` },
        body: uploadForm(metadata),
      });
    const before = storedFiles();
    const refused = await post({ version: "9.0.0" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { detail: { msg: string }[] }).detail[0]!.msg).toMatch(
      /^this tenant requires signed firmware: /,
    );
    expect(storedFiles()).toEqual(before);
    expect(await rowsOf(t, "9.0.0")).toHaveLength(0);

    const accepted = await post({ version: "9.0.1", ...signed1 });
    expect(accepted.status).toBe(201);
    expect(await accepted.json()).toMatchObject({ release_kid: key1.kid, checksum_sha256: sha(image) });
    expect(storedFiles()).toHaveLength(before.length + 1);
  });
});
