/**
 * `npm run sign-firmware`: the operator's offline release signing (docs/release-signing.md).
 *
 *   npm run sign-firmware -- --generate-key release.pem     a new Ed25519 key pair: the private
 *                                                           key to release.pem (mode 600), the
 *                                                           public JWK printed, to register
 *   npm run sign-firmware -- --key release.pem fw.bin       the image's SHA-256 and its release
 *                                                           signature (add --json for the fields
 *                                                           of the upload's metadata)
 *   npm run sign-firmware -- --key release.pem --public     the public JWK of a key, again
 *
 * The signature is Ed25519 over the image's SHA-256 written as 64 lowercase hex characters
 * (ASCII), base64url without padding; the key id is the public key's RFC 7638 thumbprint.
 * Deliberately self-contained (node: modules only, no network, nothing from lib/): it is
 * meant to run on a build machine that holds the private key and nothing else of Flotilla.
 * tests/integration/firmware-signed.test.ts checks that what it prints is what the server
 * verifies, with the server's own thumbprint.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";

const USAGE = `usage:
  npm run sign-firmware -- --generate-key <out.pem>
  npm run sign-firmware -- --key <key.pem> [--json] <file>
  npm run sign-firmware -- --key <key.pem> --public`;

class UsageError extends Error {}

// `npm run` starts scripts in the package's directory; paths on the command line are the
// caller's, relative to where npm was run (INIT_CWD).
const fromCaller = (p: string) => path.resolve(process.env.INIT_CWD ?? process.cwd(), p);

function publicJwk(publicKey: KeyObject) {
  const { x } = publicKey.export({ format: "jwk" }) as { x: string };
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const kid = createHash("sha256").update(`{"crv":"Ed25519","kty":"OKP","x":"${x}"}`).digest("base64url");
  return { kty: "OKP", crv: "Ed25519", kid, x };
}

function readPrivateKey(file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: fs.readFileSync(file), format: "pem" });
  } catch (err) {
    throw new Error(`${file}: not a readable PEM private key (${(err as Error).message})`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`${file}: is a ${key.asymmetricKeyType ?? "unknown"} key; release keys are Ed25519`);
  }
  return key;
}

function generateKey(out: string): KeyObject {
  const { privateKey } = generateKeyPairSync("ed25519");
  // Never overwrite a key that may already sign released firmware.
  if (fs.existsSync(out)) throw new Error(`${out} exists: refusing to overwrite a key`);
  fs.writeFileSync(out, privateKey.export({ format: "pem", type: "pkcs8" }), { flag: "wx", mode: 0o600 });
  return privateKey;
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: "string" },
        "generate-key": { type: "string" },
        public: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return void console.log(USAGE);
  if (positionals.length > 1) throw new UsageError("one file at a time");
  const file = positionals[0];

  if (values["generate-key"]) {
    if (values.key || file) throw new UsageError("--generate-key takes no --key and no file");
    const out = fromCaller(values["generate-key"]);
    const jwk = publicJwk(createPublicKey(generateKey(out)));
    console.error(`private key written to ${out}: keep it offline; register the public key below`);
    console.log(JSON.stringify(jwk));
    return;
  }
  if (!values.key) throw new UsageError("--key <key.pem> (or --generate-key <out.pem>) is required");
  const privateKey = readPrivateKey(fromCaller(values.key));
  const jwk = publicJwk(createPublicKey(privateKey));
  if (values.public) return void console.log(JSON.stringify(jwk));
  if (!file) throw new UsageError("which file to sign?");

  const sha256 = await sha256OfFile(fromCaller(file));
  const signature = sign(null, Buffer.from(sha256, "ascii"), privateKey).toString("base64url");
  if (values.json) {
    console.log(JSON.stringify({ checksum_sha256: sha256, release_signature: signature, release_kid: jwk.kid }));
  } else {
    console.log(`sha256: ${sha256}`);
    console.log(`release_signature: ${signature}`);
    console.log(`release_kid: ${jwk.kid}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`sign-firmware: ${(err as Error).message}`);
    if (err instanceof UsageError) console.error(USAGE);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
