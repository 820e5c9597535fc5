import { brokerRoutes } from "./broker";
import { campaignRoutes } from "./campaigns";
import { firmwareRoutes } from "./firmware";
import { fleetRoutes } from "./fleet";
import { releaseRoutes } from "./release";
import { signingRoutes } from "./signing";
import type { RouteSpec } from "./spec";
import { systemRoutes } from "./system";

export { route, type Method, type ParsedRequest, type RouteSpec } from "./spec";

/**
 * Every route of the API, each declared once. Handlers take theirs (`authed(routes.campaignStart, …)`),
 * and /openapi.json lists exactly these; tests/integration/openapi.test.ts fails when a route file
 * exports a method that is not declared here, or is bound to another route's declaration.
 */
export const routes = {
  ...systemRoutes,
  ...firmwareRoutes,
  ...campaignRoutes,
  ...fleetRoutes,
  ...releaseRoutes,
  ...signingRoutes,
  ...brokerRoutes,
};

export const ROUTES: readonly RouteSpec[] = Object.values(routes);
