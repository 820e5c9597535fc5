import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { Conflict, InvalidTransition, NotFound } from "@/lib/errors";
import { parseJsonBody, parseQuery } from "@/lib/http/parse";
import { downloadPlan } from "@/lib/http/download";
import { errorResponse } from "@/lib/http/respond";

const post = (body: string, headers: Record<string, string> = {}) =>
  new Request("http://x/y", { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

async function caught(p: Promise<unknown> | (() => unknown)) {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    const res = errorResponse(err);
    return { status: res.status, body: await res.json() };
  }
  throw new Error("expected an error");
}

describe("the error mapper", () => {
  it("maps domain errors to a status, the detail and a stable code", async () => {
    expect(await caught(() => Promise.reject(new NotFound("Campaign not found")))).toEqual({
      status: 404,
      body: { detail: "Campaign not found", code: "not_found" },
    });
    expect((await caught(() => Promise.reject(new Conflict("dup")))).status).toBe(409);
    expect((await caught(() => Promise.reject(new InvalidTransition("no")))).body.code).toBe("invalid_transition");
  });

  it("maps an unexpected unique violation (wrapped by drizzle) to 409", async () => {
    const wrapped = Object.assign(new Error("Failed query: insert"), { cause: { code: "23505" } });
    expect(await caught(() => Promise.reject(wrapped))).toEqual({
      status: 409,
      body: { detail: "Resource already exists", code: "conflict" },
    });
  });

  it("hides unknown errors behind a generic 500 and logs the cause", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await caught(() => Promise.reject(new Error("password=hunter2 leaked")));
    expect(res).toEqual({ status: 500, body: { detail: "Internal server error", code: "internal" } });
    expect(log).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ message: "password=hunter2 leaked" }),
    );
    log.mockRestore();
  });
});

describe("request parsing", () => {
  const Body = z.object({ rollout_rate: z.number().int().min(1) });

  it("returns FastAPI-style 422 issues located at the field", async () => {
    const res = await caught(parseJsonBody(post('{"rollout_rate": 0}'), Body));
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("validation_error");
    expect(res.body.detail[0].loc).toEqual(["body", "rollout_rate"]);
    expect(typeof res.body.detail[0].msg).toBe("string");
  });

  it("refuses bodies that are not JSON or are too large", async () => {
    expect((await caught(parseJsonBody(post("{nope"), Body))).body).toEqual({
      detail: "Request body is not valid JSON",
      code: "bad_request",
    });
    expect((await caught(parseJsonBody(post(JSON.stringify({ pad: "x".repeat(200) })), Body, 100))).status).toBe(413);
    // A lying Content-Length does not get a large body through.
    const lying = post(JSON.stringify({ pad: "x".repeat(200) }), { "content-length": "5" });
    expect((await caught(parseJsonBody(lying, Body, 100))).status).toBe(413);
    expect(await parseJsonBody(post('{"rollout_rate": 3}'), Body)).toEqual({ rollout_rate: 3 });
  });

  it("locates query errors in the query", async () => {
    const Q = z.object({ limit: z.coerce.number().int().max(200) });
    const res = await caught(() => parseQuery("http://x/y?limit=500", Q));
    expect(res.body.detail[0].loc).toEqual(["query", "limit"]);
  });
});

describe("the download plan (the transport's side of a signed download)", () => {
  const file = { path: "/data/x.bin", sizeBytes: 100, sha256: "ab".repeat(32), version: "1.2/3" };
  const etag = `"${file.sha256}"`;

  it("serves the whole file with its length, ETag and a safe file name", () => {
    const plan = downloadPlan(file, null, null);
    expect(plan.status).toBe(200);
    expect(plan.headers).toMatchObject({
      "Content-Length": "100",
      ETag: etag,
      "Accept-Ranges": "bytes",
      "Content-Disposition": 'attachment; filename="firmware-1.2_3.bin"',
    });
    expect(plan.body).toEqual({ path: file.path, start: 0, end: 99 });
  });

  it("answers a range with 206, and a range past the end with 416 and no body", () => {
    expect(downloadPlan(file, "bytes=10-", null)).toMatchObject({
      status: 206,
      headers: { "Content-Length": "90", "Content-Range": "bytes 10-99/100" },
      body: { start: 10, end: 99 },
    });
    expect(downloadPlan(file, "bytes=100-", null)).toMatchObject({
      status: 416,
      headers: { "Content-Range": "bytes */100" },
      body: null,
    });
  });

  it("resumes only while If-Range still names the file", () => {
    expect(downloadPlan(file, "bytes=0-9", etag).status).toBe(206);
    expect(downloadPlan(file, "bytes=0-9", '"stale"').status).toBe(200);
  });
});
