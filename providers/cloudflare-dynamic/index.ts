// Cloudflare for bosun: DNS resources, the split-horizon helper, and the client with its ACME DNS-01 solver.
export * from "./resources/index.ts";
export { CloudflareClient, type ClientOptions } from "./client/client.ts";
export { createCloudflareDns01Solver, challengeName, type CloudflareDns01Options, type CloudflareDns01Solver, type Dns01Solver } from "./client/dns01.ts";
