import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GET } from "@/app/openapi.json/route";
import type { BoundHandler } from "@/lib/http/handler";
import { ROUTES, type RouteSpec } from "@/lib/http/routes";

interface Exported {
  /** `method path`, in OpenAPI's path syntax, from the file's place under app/. */
  key: string;
  /** The declaration the handler is bound to, if any. */
  route?: RouteSpec;
}

/** Every (method, path) that a route file under app/ exports, with the declaration its handler was built from. */
async function routesOnDisk(): Promise<Exported[]> {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === "route.ts") found.push(full);
    }
  };
  walk(path.resolve("app"));
  const out: Exported[] = [];
  for (const file of found) {
    const route =
      "/" +
      path
        .relative(path.resolve("app"), path.dirname(file))
        .split(path.sep)
        .map((s) => s.replace(/^\[(.+)\]$/, "{$1}"))
        .join("/");
    const mod = await import(file);
    for (const m of ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
      if (mod[m]) out.push({ key: `${m.toLowerCase()} ${route}`, route: (mod[m] as Partial<BoundHandler>).route });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

// The browser's form routes, the document itself and the JSON 404 for unknown paths
// are not part of the API contract.
const CATCH_ALL = ["get", "post", "put", "patch", "delete"].map((m) => `${m} /customer/{...rest}`);
const NOT_API = ["post /auth/login", "post /auth/logout", "get /openapi.json", ...CATCH_ALL];

describe("GET /openapi.json", () => {
  it("describes exactly the routes that exist", async () => {
    const described = ROUTES.map((r) => `${r.method} ${r.path}`).sort((a, b) => a.localeCompare(b));
    const onDisk = (await routesOnDisk()).filter((r) => !NOT_API.includes(r.key));
    expect(onDisk.map((r) => r.key)).toEqual(described);
  });

  it("has each handler built from the declaration of its own method and path (one home for roles and schemas)", async () => {
    const onDisk = (await routesOnDisk()).filter((r) => !NOT_API.includes(r.key));
    const bound = onDisk.map((r) => ({ file: r.key, declared: r.route && `${r.route.method} ${r.route.path}` }));
    expect(bound).toEqual(onDisk.map((r) => ({ file: r.key, declared: r.key })));
    // Every declaration is used by exactly one handler.
    expect(new Set(onDisk.map((r) => r.route)).size).toBe(ROUTES.length);
  });

  it("states each route's least role as its handler enforces it", async () => {
    const doc = await (await GET()).json();
    for (const r of ROUTES) {
      const op = doc.paths[r.path][r.method];
      if (r.role) {
        expect(op.description, `${r.method} ${r.path}`).toBe(`Least role: ${r.role}.`);
        expect(op.responses, `${r.method} ${r.path}`).toHaveProperty("401");
        if (r.role !== "viewer") expect(op.responses, `${r.method} ${r.path}`).toHaveProperty("403");
      } else {
        expect(r.auth, `${r.method} ${r.path} has neither a role nor another way in`).toBeDefined();
        expect(op.security).toEqual([]);
      }
    }
  });

  it("is OpenAPI 3.1 with request schemas from the validators", async () => {
    const doc = await (await GET()).json();
    expect(doc.openapi).toBe("3.1.0");
    const create = doc.paths["/customer/ota/campaigns"].post;
    const schema = create.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(expect.arrayContaining(["name", "firmware_version_id", "target_group_id"]));
    expect(schema.properties.rollout_rate).toMatchObject({ type: "integer", minimum: 1, maximum: 1000 });
    expect(doc.paths["/customer/firmware"].post.requestBody.content).toHaveProperty("multipart/form-data");
    const listParams = doc.paths["/customer/ota/campaigns/{id}/devices"].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(listParams).toEqual(expect.arrayContaining(["path:id", "query:status", "query:limit", "query:offset"]));
  });

  it("documents the login throttle: 429 with Retry-After on /auth/token, and every error code", async () => {
    const doc = await (await GET()).json();
    const throttled = doc.paths["/auth/token"].post.responses["429"];
    expect(throttled.headers["Retry-After"].schema).toEqual({ type: "integer", minimum: 1 });
    expect(doc.components.schemas.Error.properties.code.enum).toEqual(
      expect.arrayContaining(["too_many_requests", "payload_too_large"]),
    );
  });
});

describe("docs/api.md", () => {
  it("lists every route with the declared least role, success status and error statuses", () => {
    const rows = fs
      .readFileSync(path.resolve("docs/api.md"), "utf8")
      .split("\n")
      .map((line) =>
        /^\| (GET|POST|PATCH|DELETE|HEAD) +\| `([^`?]+)[^`]*` +\| ([^|]+?) +\| (\d+)[^|]*\| ([\d ]+?) +\|$/.exec(line),
      )
      .filter((m) => m !== null)
      .map(([, method, p, role, ok, errors]) => `${method!.toLowerCase()} ${p} ${role} ${ok} ${errors}`);
    const declared = ROUTES.map((r) => {
      const role = r.role ?? (r.auth === "signed-url" ? "signed URL" : "—");
      return `${r.method} ${r.path} ${role} ${r.ok} ${r.errors.join(" ")}`;
    });
    expect(rows.sort()).toEqual(declared.sort());
  });
});

describe("unknown /customer paths", () => {
  it("answer 404 in the API's JSON error shape", async () => {
    const { GET: unknown } = await import("@/app/customer/[...rest]/route");
    const res = await unknown();
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: "Not Found", code: "not_found" });
  });
});
