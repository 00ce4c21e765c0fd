// The solver registry: the schema of every SolverConfig (checked in the
// resource's check()) and the factory that turns one into an adapter.
// Adding a provider (Cloudflare DNS-01, OPNsense/HAProxy HTTP-01):
//   1. a member in SolverConfig (types.ts) and a schema below,
//   2. a module exporting `(config) => Dns01Adapter | Http01Adapter`,
//   3. a case in solverFor(). Credentials (API tokens) come from stack config,
//      read by the resources' configure(), never from the SolverConfig.
import { z } from "zod";
import { isIp } from "../../kit/net.ts";
import { challtestsrvDns01 } from "./dns-challtestsrv.ts";
import { cloudflareDns01 } from "./dns-cloudflare.ts";
import { standaloneHttp01 } from "./http-standalone.ts";
import type { ChallengeAdapter, SolverConfig } from "./types.ts";

export type * from "./types.ts";
export { openStandaloneListeners } from "./http-standalone.ts";
export { setCloudflareCredentials } from "./dns-cloudflare.ts";

const port = z.number().int().min(1, "must be a port 1-65535").max(65535, "must be a port 1-65535");

export const solverSchema = z.discriminatedUnion("provider", [
  z.object({
    type: z.literal("http-01", { error: 'the "standalone" provider solves http-01' }),
    provider: z.literal("standalone"),
    address: z.string().refine(isIp, "must be an IP address to listen on, e.g. 0.0.0.0").optional(),
    port: port.optional(),
  }),
  z.object({
    type: z.literal("dns-01", { error: 'the "challtestsrv" provider solves dns-01' }),
    provider: z.literal("challtestsrv"),
    url: z.url({ protocol: /^https?$/, error: "must be the management API URL, e.g. http://127.0.0.1:8055" }),
  }),
  z.object({
    type: z.literal("dns-01", { error: 'the "cloudflare" provider solves dns-01' }),
    provider: z.literal("cloudflare"),
    zones: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, "must be a zone name like example.com")).optional(),
  }),
]);

export function solverFor(config: SolverConfig): ChallengeAdapter {
  switch (config.provider) {
    case "standalone":
      return standaloneHttp01(config);
    case "challtestsrv":
      return challtestsrvDns01(config);
    case "cloudflare":
      return cloudflareDns01(config);
  }
}
