// Public surface of the Proxmox VE client.
export { GuestApi, ProxmoxClient, type Health, type HealthState, type RunOptions } from "./client.ts";
export { encodeParams, HttpTransport, type CallEvent, type ConnectionConfig, type Method, type Params } from "./http.ts";
export { formatUpid, parseUpid, taskSucceeded, waitForTask, type WaitOptions } from "./tasks.ts";
export * from "./errors.ts";
export * from "./format.ts";
export type * from "./types.ts";
