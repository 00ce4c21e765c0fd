// HAProxy server (haproxy/settings, node "server"): one upstream address:port
// of a backend. Implementation run in the provider process.
import { z } from "zod";
import { isHostname, isIp } from "../../kit/net.ts";
import type { HaproxyServerItem } from "../client/types.ts";
import { b, description, pluginFailures, proxyName, requirePlugin, str } from "./haproxy-common.ts";
import { stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

export const serverInputs = z.object({
  name: proxyName,
  address: z.string().refine((v) => isIp(v) || isHostname(v) || /^[0-9a-zA-Z.-]{1,253}$/.test(v), "must be an IP address or a host name"),
  port: z.number().int().min(1, "must be a port 1-65535").max(65535, "must be a port 1-65535"),
  /** Talk TLS to the upstream. */
  ssl: z.boolean().default(false),
  /** Verify the upstream's certificate (with ssl). */
  verify: z.boolean().default(true),
  description,
  ownerTag: z.string().optional(),
});
export type ServerInputs = z.infer<typeof serverInputs>;

const label = (i: Record<string, unknown>) => `HAProxy server ${str(i, "name")}`;

export const { check, diff, create, read, update, remove } = modelResource<ServerInputs, HaproxyServerItem>({
  label,
  schema: serverInputs,
  api: (c) => c.haproxy.servers,
  subsystem: "haproxy",
  fields: ["name", "address", "port", "ssl", "verify", "description"],
  fieldMap: { name: "name", address: "address", port: "port", ssl: "ssl", sslVerify: "verify", description: "description" },
  onBox: (i, _caps, client) => pluginFailures(client, label(i)),
  gate: async (client, i) => void (await requirePlugin(client, label(i))),
  toItem: (i) => ({
    enabled: "1",
    name: i.name,
    address: i.address,
    port: String(i.port),
    type: "static",
    mode: "active",
    ssl: b(i.ssl),
    sslVerify: b(i.verify),
    description: withMark(i.description, i.ownerTag),
  }),
  fromItem: (s) => ({
    name: s.name,
    address: s.address,
    port: Number(s.port),
    ssl: s.ssl === "1",
    verify: s.sslVerify === "1",
    description: stripMark(s.description),
  }),
});
