import type { z } from "zod";
import { config } from "@/lib/config";
import { BadRequest, PayloadTooLarge, ValidationFailed } from "@/lib/errors";

/**
 * The JSON body parsed by `schema`. Never trusts Content-Length alone: the body is
 * read with a running byte count and refused as soon as it passes the limit.
 */
export async function parseJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  maxBytes = config().MAX_BODY_BYTES,
): Promise<z.infer<S>> {
  const text = (await readLimited(req, maxBytes)).toString("utf8");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadRequest("Request body is not valid JSON");
  }
  return validated("body", data, schema);
}

/**
 * A form body (urlencoded or multipart), read under the same cap as JSON: `req.formData()`
 * would buffer a body of any size before a single field could be checked.
 */
export async function parseFormBody(req: Request, maxBytes = config().MAX_BODY_BYTES): Promise<FormData> {
  const bytes = await readLimited(req, maxBytes);
  const type = req.headers.get("content-type") ?? "";
  try {
    // Already bounded, so the platform's parser may now hold it all.
    return await new Response(new Uint8Array(bytes), { headers: { "content-type": type } }).formData();
  } catch {
    throw new BadRequest("Request body is not a form");
  }
}

/** Query parameters parsed by `schema` (422 with `loc: ["query", name]` on a bad one). */
export function parseQuery<S extends z.ZodType>(url: string | URL, schema: S): z.infer<S> {
  return validated("query", Object.fromEntries(new URL(url).searchParams.entries()), schema);
}

/** Path parameters parsed by `schema` (422 with `loc: ["path", name]`). */
export function parsePath<S extends z.ZodType>(params: unknown, schema: S): z.infer<S> {
  return validated("path", params, schema);
}

/**
 * `data` parsed by `schema`, with every issue located under `where`. Strings holding
 * NUL are refused first: PostgreSQL cannot store them in text, so they would be a 500.
 */
export function validated<S extends z.ZodType>(where: string | string[], data: unknown, schema: S): z.infer<S> {
  const prefix = typeof where === "string" ? [where] : where;
  const nul = findNul(data, []);
  if (nul)
    throw new ValidationFailed([
      { loc: [...prefix, ...nul], msg: "must not contain NUL characters", type: "string_nul" },
    ]);
  const result = schema.safeParse(data);
  if (!result.success) throw ValidationFailed.fromZod(prefix, result.error);
  return result.data;
}

function findNul(value: unknown, path: (string | number)[], depth = 0): (string | number)[] | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (depth > 64 || value === null || typeof value !== "object") return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes("\u0000")) return [...path, k];
    const found = findNul(v, [...path, Array.isArray(value) ? Number(k) : k], depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * The whole body, holding at most `maxBytes` of it: refused (413) at once when its declared
 * Content-Length is larger, and as soon as the bytes read pass the limit otherwise (a
 * chunked body, or a Content-Length that lies). The rest of a refused body is never read.
 */
export async function readLimited(req: Request, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await req.body?.cancel().catch(() => {});
    throw new PayloadTooLarge(maxBytes);
  }
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new BadRequest("Request body was interrupted");
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new PayloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
