import type { z } from "zod";
import { config } from "@/lib/config";
import { BadRequest, PayloadTooLarge, ValidationFailed } from "./errors";

/**
 * The JSON body parsed by `schema`. Never trusts Content-Length alone: the body is
 * read with a running byte count and refused as soon as it passes the limit.
 */
export async function parseJsonBody<S extends z.ZodType>(
  req: Request,
  schema: S,
  maxBytes = config().MAX_BODY_BYTES,
): Promise<z.infer<S>> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new PayloadTooLarge(maxBytes);
  const text = await readLimited(req, maxBytes);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadRequest("Request body is not valid JSON");
  }
  const result = schema.safeParse(data);
  if (!result.success) throw ValidationFailed.fromZod("body", result.error);
  return result.data;
}

/** Query parameters parsed by `schema` (422 with `loc: ["query", name]` on a bad one). */
export function parseQuery<S extends z.ZodType>(url: string | URL, schema: S): z.infer<S> {
  const params = Object.fromEntries(new URL(url).searchParams.entries());
  const result = schema.safeParse(params);
  if (!result.success) throw ValidationFailed.fromZod("query", result.error);
  return result.data;
}

/** Path parameters parsed by `schema` (422 with `loc: ["path", name]`). */
export function parsePath<S extends z.ZodType>(params: unknown, schema: S): z.infer<S> {
  const result = schema.safeParse(params);
  if (!result.success) throw ValidationFailed.fromZod("path", result.error);
  return result.data;
}

async function readLimited(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new PayloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
