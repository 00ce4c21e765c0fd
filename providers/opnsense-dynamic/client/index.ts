// Public surface of the OPNsense client.
export { OpnsenseClient, RECONFIGURE_PATH, type Health, type HealthState } from "./client.ts";
export type { ConnectionConfig, CallEvent } from "./http.ts";
export { CallMetrics } from "./http.ts";
export { ModelApi, type SearchParams, type SearchResult } from "./model.ts";
export * from "./errors.ts";
export * from "./options.ts";
export type * from "./types.ts";
export { SUBSYSTEMS } from "./types.ts";
