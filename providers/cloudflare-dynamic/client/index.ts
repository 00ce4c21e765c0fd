// bosun's Cloudflare client: one typed wrapper over the official SDK, its errors, and the ACME DNS-01 solver.
export * from "./client.ts";
export * from "./errors.ts";
export * from "./dns01.ts";
