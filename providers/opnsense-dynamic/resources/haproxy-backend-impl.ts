// HAProxy backend (haproxy/settings, node "backend"): a pool of servers for
// one published app. Implementation run in the provider process.
import { z } from "zod";
import type { HaproxyBackendItem } from "../client/types.ts";
import { b, csv, description, pluginFailures, proxyName, requirePlugin, split, str } from "./haproxy-common.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

export const backendInputs = z.object({
  name: proxyName,
  /** HaproxyServer uuids. */
  servers: z.array(z.string().min(1)).min(1, "needs at least one server (a HaproxyServer's uuid)"),
  mode: z.enum(["http", "tcp"]).default("http"),
  algorithm: z.enum(["source", "roundrobin", "leastconn"]).default("source"),
  /** Add X-Forwarded-For (http mode). */
  forwardFor: z.boolean().default(true),
  description,
  ownerTag: z.string().optional(),
});
export type BackendInputs = z.infer<typeof backendInputs>;

const label = (i: Record<string, unknown>) => `HAProxy backend ${str(i, "name")}`;

export const { check, diff, create, read, update, remove } = modelResource<BackendInputs, HaproxyBackendItem>({
  label,
  schema: backendInputs,
  api: (c) => c.haproxy.backends,
  subsystem: "haproxy",
  fields: ["name", "servers", "mode", "algorithm", "forwardFor", "description"],
  fieldMap: { name: "name", linkedServers: "servers", mode: "mode", algorithm: "algorithm", forwardFor: "forwardFor", description: "description" },
  onBox: (i, _caps, client) => pluginFailures(client, label(i)),
  gate: async (client, i) => void (await requirePlugin(client, label(i))),
  toItem: (i) => ({
    enabled: "1",
    name: i.name,
    mode: i.mode,
    algorithm: i.algorithm,
    linkedServers: csv(i.servers),
    healthCheckEnabled: "0",
    forwardFor: b(i.forwardFor),
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (x) => ({
    name: x.name,
    servers: split(x.linkedServers),
    mode: x.mode as BackendInputs["mode"],
    algorithm: x.algorithm as BackendInputs["algorithm"],
    forwardFor: x.forwardFor === "1",
    description: stripMark(x.description),
  }),
});
