export * from "./rls";
export * from "./tenants";
export * from "./devices";
export * from "./firmware";
export * from "./campaigns";
export * from "./workers";
