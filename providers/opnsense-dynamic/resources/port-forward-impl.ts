// Port forward (firewall/d_nat, node "rule"; OPNsense 26.1+): traffic to a
// port of the box's outside address is sent to an inside host. bosun writes
// it with filter-rule association "manual" and declares the matching filter
// rule itself (a FirewallRule), so the lock-out guard judges it like any other.
// It goes live with the filter apply (one pf reload loads NAT and rules).
// Before 26.1 the API has no port forwards: refused at preview and before any
// write, with the UI steps. A port another port forward already sends
// elsewhere is refused, naming it. Implementation run in the provider process.
import { z } from "zod";
import { isIPv4, isPortOrRange } from "../../kit/net.ts";
import type { OpnsenseClient } from "../client/client.ts";
import type { Capabilities } from "../client/release.ts";
import type { DnatRuleItem } from "../client/types.ts";
import type { CheckFailure, Props } from "../../kit/index.ts";
import { markOf, stripMark, withMark } from "./common.ts";
import { modelResource } from "./model-resource.ts";

export { configureFromStack as configure } from "./connection.ts";

const port = z.string().refine(isPortOrRange, "must be a port 1-65535 or a range a-b");

export const forwardInputs = z.object({
  /** Where the traffic arrives. @default wan */
  interface: z
    .string()
    .regex(/^(wan|lan|opt\d{1,3})$/, "must be an interface key such as wan")
    .default("wan"),
  protocol: z.enum(["tcp", "udp", "tcp/udp"]).default("tcp"),
  /** The outside port (or range). */
  port,
  /** The inside host. */
  target: z.string().refine(isIPv4, "must be the inside host's IPv4 address"),
  /** The inside port. @default the outside port */
  targetPort: port.optional(),
  sequence: z.number().int().min(1).max(999999).default(100),
  description: z.string().max(200).default(""),
  ownerTag: z.string().optional(),
});
export type ForwardInputs = z.infer<typeof forwardInputs>;

const label = (i: Props) => `port forward ${String(i.interface ?? "wan")} ${String(i.protocol ?? "tcp")}/${String(i.port ?? "?")}`;

/** The UI steps for a release without the API, with this forward's values. */
function manualSteps(i: Props, caps: Capabilities): string {
  return (
    `${label(i)}: this box runs OPNsense ${caps.release.version}, whose API has no port forwards (firewall/d_nat came with 26.1); nothing was changed. ` +
    `Add it by hand: Firewall → NAT → Port Forward → Add: Interface ${String(i.interface ?? "wan").toUpperCase()}, Protocol ${String(i.protocol ?? "tcp").toUpperCase()}, ` +
    `Destination "${String(i.interface ?? "wan").toUpperCase()} address", Destination port ${String(i.port)}, Redirect target IP ${String(i.target)}, ` +
    `Redirect target port ${String(i.targetPort ?? i.port)}, Filter rule association "None" (bosun adds the filter rule), Save, then Apply changes. ` +
    "Or update the box to 26.1 or later and run the deployment again."
  );
}

const protocolsOf = (p: string) => (p === "tcp/udp" ? ["tcp", "udp"] : [p]);

/** Another port forward (not this resource's) already sending this port elsewhere. */
async function conflicts(client: OpnsenseClient, i: Props): Promise<CheckFailure[]> {
  const mine = typeof i.ownerTag === "string" ? markOf(i.ownerTag) : undefined;
  const rows = await client.portForwards.listValues();
  const taken = rows.find(
    (r) =>
      !r.uuid.startsWith("lockout") &&
      r.disabled !== "1" &&
      !(mine && (r.descr ?? "").includes(mine)) &&
      (r.interface ?? "").split(",").includes(String(i.interface ?? "wan")) &&
      protocolsOf(r.protocol ?? "").some((p) => protocolsOf(String(i.protocol ?? "tcp")).includes(p) || p === "") &&
      r["destination.port"] === String(i.port),
  );
  if (!taken) return [];
  return [
    {
      property: "port",
      reason:
        `${label(i)}: port: ${String(i.protocol).toUpperCase()} ${String(i.port)} on ${String(i.interface).toUpperCase()} is already forwarded to ` +
        `${taken.target}${taken["local-port"] ? `:${taken["local-port"]}` : ""} by "${stripMark(taken.descr) || taken.uuid}"; remove that port forward or choose another port.`,
    },
  ];
}

export const { check, diff, create, read, update, remove } = modelResource<ForwardInputs, DnatRuleItem>({
  label,
  schema: forwardInputs,
  api: (c) => c.portForwards,
  subsystem: "filter",
  fields: ["interface", "protocol", "port", "target", "targetPort", "sequence", "description"],
  fieldMap: {
    interface: "interface",
    protocol: "protocol",
    "destination.port": "port",
    target: "target",
    "local-port": "targetPort",
    sequence: "sequence",
    descr: "description",
  },
  async onBox(i, caps, client) {
    if (!caps.portForwardApi) return [{ property: "(inputs)", reason: manualSteps(i, caps) }];
    return conflicts(client, i).catch(() => []);
  },
  async gate(client, i) {
    const caps = await client.capabilities();
    if (!caps.portForwardApi) throw new Error(manualSteps(i as Props, caps));
    const taken = await conflicts(client, i as Props);
    if (taken[0]) throw new Error(`${taken[0].reason} Nothing was changed.`);
  },
  toItem: (i) => ({
    sequence: String(i.sequence),
    disabled: "0",
    interface: i.interface,
    ipprotocol: "inet",
    protocol: i.protocol,
    "source.network": "any",
    "destination.network": `${i.interface}ip`,
    "destination.port": i.port,
    target: i.target,
    "local-port": i.targetPort ?? i.port,
    pass: "",
    descr: withMark(i.description, i.ownerTag),
  }),
  fromItem: (r, prev) => ({
    interface: r.interface,
    protocol: r.protocol as ForwardInputs["protocol"],
    port: r["destination.port"],
    target: r.target,
    ...(prev.targetPort !== undefined || r["local-port"] !== r["destination.port"] ? { targetPort: r["local-port"] } : {}),
    sequence: Number(r.sequence),
    description: stripMark(r.descr),
  }),
});
