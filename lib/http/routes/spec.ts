import type { z } from "zod";
import type { Role } from "@/lib/db/schema/tenants";

export type Method = "get" | "post" | "patch" | "delete" | "head";

/**
 * One route of the API, declared once: the handler wrapper (lib/http/handler.ts) takes its
 * least role, parses its path, query and body with its schemas and answers with its `ok`
 * status; the OpenAPI document (lib/http/openapi.ts) is generated from the same object.
 */
export interface RouteSpec {
  method: Method;
  /** OpenAPI path syntax: `/customer/firmware/{id}`. */
  path: string;
  summary: string;
  /** The least role of a signed-in user; absent for routes without a user (see `auth`). */
  role?: Role;
  /** How a route without a user is authorised ("hook-secret": a broker's HTTP hook, lib/mqtt/hooks.ts). */
  auth?: "none" | "signed-url" | "hook-secret";
  params?: z.ZodType;
  query?: z.ZodType;
  /** The JSON body (parsed under MAX_BODY_BYTES, or `maxBodyBytes`). */
  body?: z.ZodType;
  maxBodyBytes?: number;
  /**
   * The `metadata` part of a multipart/form-data upload that the route accepts beside its
   * JSON body: the wrapper then leaves a multipart body unread for the handler to stream.
   */
  multipart?: z.ZodType;
  /** The success response's body, where a schema describes it. */
  response?: z.ZodType;
  /** Status of a successful answer: a handler's value is sent as JSON with it (204: no body). */
  ok: number;
  /** Statuses of the errors this route answers with the `{"detail", "code"}` body. */
  errors: number[];
}

/** A declaration, its schema types kept for the handler's parsed values. */
export const route = <const S extends RouteSpec>(spec: S): S => spec;

type Parsed<T> = T extends z.ZodType ? z.infer<T> : undefined;

/** What the wrapper parsed from a request by its route's schemas. */
export interface ParsedRequest<S extends RouteSpec> {
  path: Parsed<S["params"]>;
  query: Parsed<S["query"]>;
  /** The JSON body; null for a route that also takes multipart when the request is multipart. */
  body: S["multipart"] extends z.ZodType ? Parsed<S["body"]> | null : Parsed<S["body"]>;
}
