import { z } from "zod";
import { ERROR_CODES } from "@/lib/errors";
import { ROUTES, type RouteSpec } from "./routes";

/**
 * The OpenAPI 3.1 document served at /openapi.json, generated from the route
 * declarations (lib/http/routes/): the same roles, schemas and statuses the handlers use.
 */

const json = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any", target: "draft-2020-12" });

const ERROR = {
  type: "object",
  required: ["detail", "code"],
  properties: {
    detail: {
      oneOf: [
        { type: "string" },
        {
          type: "array",
          items: {
            type: "object",
            properties: { loc: { type: "array" }, msg: { type: "string" }, type: { type: "string" } },
          },
        },
      ],
    },
    code: { type: "string", enum: [...ERROR_CODES] },
  },
};

function parameters(spec: RouteSpec) {
  const out: object[] = [];
  for (const [where, schema] of [
    ["path", spec.params],
    ["query", spec.query],
  ] as const) {
    if (!schema) continue;
    const s = json(schema) as { properties?: Record<string, object>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({ name, in: where, required: where === "path" || (s.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

function requestBody(spec: RouteSpec) {
  if (!spec.body) return undefined;
  const content: Record<string, object> = { "application/json": { schema: json(spec.body) } };
  if (spec.multipart) {
    content["multipart/form-data"] = {
      schema: {
        type: "object",
        required: ["metadata", "file"],
        properties: {
          metadata: json(spec.multipart),
          file: { type: "string", contentMediaType: "application/octet-stream" },
        },
      },
      encoding: { metadata: { contentType: "application/json" } },
    };
  }
  return { required: true, content };
}

const RETRY_AFTER = { description: "Seconds until the lock ends", schema: { type: "integer", minimum: 1 } };

const ERROR_BODY = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

function errorResponse(status: number) {
  if (status !== 429) return { description: "Error", content: ERROR_BODY };
  return {
    description: "Too many failed logins for this account or address: locked for a while",
    headers: { "Retry-After": RETRY_AFTER },
    content: ERROR_BODY,
  };
}

function success(spec: RouteSpec) {
  if (spec.ok === 204) return { description: "No content" };
  if (!spec.response) return { description: "Success" };
  return { description: "Success", content: { "application/json": { schema: json(spec.response) } } };
}

function operation(spec: RouteSpec) {
  const body = requestBody(spec);
  return {
    summary: spec.summary,
    ...(spec.role ? { description: `Least role: ${spec.role}.` } : {}),
    security: spec.auth ? [] : [{ bearer: [] }, { cookie: [] }],
    parameters: parameters(spec),
    ...(body ? { requestBody: body } : {}),
    responses: {
      [spec.ok]: success(spec),
      ...Object.fromEntries(spec.errors.map((s) => [s, errorResponse(s)])),
    },
  };
}

export function openApiDocument() {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of ROUTES) (paths[spec.path] ??= {})[spec.method] = operation(spec);
  return {
    openapi: "3.1.0",
    info: { title: "Flotilla API", version: "0.1.0", description: "OTA firmware updates for device fleets." },
    paths,
    components: {
      schemas: { Error: ERROR },
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        cookie: { type: "apiKey", in: "cookie", name: "flotilla_session" },
      },
    },
  };
}
