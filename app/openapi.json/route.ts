import { openApiDocument } from "@/lib/http/openapi";

/** The API's OpenAPI 3.1 description, generated from the schemas that validate requests. */
export const GET = () => Response.json(openApiDocument());
