import { createHash } from "node:crypto";

/**
 * A deterministic pseudo-random "firmware image" of `size` bytes: SHA-256 in
 * counter mode over `seed`. The same seed always gives the same bytes, so the
 * demo's checksums are real and stable across machines and re-seeds.
 */
export function demoBinary(seed: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; offset += 32, block++) {
    createHash("sha256")
      .update(`${seed}:${block}`)
      .digest()
      .copy(out, offset, 0, Math.min(32, size - offset));
  }
  return out;
}
