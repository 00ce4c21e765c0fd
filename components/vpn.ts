// A WireGuard VPN on OPNsense: the instance (its own segment, the tunnel
// network), the filter rules it needs (the UDP port on WAN, and from the
// tunnel to what peers may reach, on WireGuard's interface group) and one peer
// per device, each with its client config and QR code as secret outputs.
import * as pulumi from "@pulumi/pulumi";
import {
  WireguardPeer,
  WireguardServer,
  type FirewallRuleArgs,
  type FirewallRuleSet,
  type WireguardPeerArgs,
  type WireguardServerArgs,
} from "../providers/opnsense-dynamic/resources/index.ts";
import { createRuleSet, type RuleArgs } from "./firewall-rule.ts";
import { transformed, type Transform } from "./transform.ts";

export interface VpnPeerArgs {
  /** Device name. @example "phone" */
  name: string;
  /** Its address in the tunnel network. @example "10.99.0.2" */
  address: string;
}

export interface VpnArgs {
  /** The tunnel network; the box takes `serverAddress`. @example "10.99.0.0/24" */
  subnet: string;
  /** @example "10.99.0.1" */
  serverAddress: string;
  /** UDP port on WAN. @example 51820 */
  port: number;
  /** What devices dial: public name or address and the port. @example "vpn.example.com:51820" */
  endpoint: pulumi.Input<string>;
  /** Networks peers may reach (CIDRs, "lan" for OPNsense's LAN net, "any"). Also what their client routes through the tunnel. @example ["10.20.0.0/24"] */
  allow: string[];
  /** Routes for the client config (CIDRs); "any" becomes 0.0.0.0/0. @default derived from allow */
  clientRoutes?: string[];
  /** DNS server for peers. @default serverAddress */
  dns?: string[];
  peers: VpnPeerArgs[];
  transform?: { server?: Transform<WireguardServerArgs>; peer?: Transform<WireguardPeerArgs>; rule?: Transform<FirewallRuleArgs> };
}

export class Vpn extends pulumi.ComponentResource {
  readonly server: WireguardServer;
  readonly peers: Record<string, WireguardPeer>;
  /** Its filter rules (WireGuard from WAN, DNS and the allowed networks over the tunnel), one resource. */
  readonly rules: FirewallRuleSet;

  constructor(name: string, args: VpnArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:Vpn", name, {}, opts);
    const self = { parent: this };
    const prefix = args.subnet.split("/")[1] ?? "24";
    const dns = args.dns ?? [args.serverAddress];
    const [sa, so] = transformed(
      args.transform?.server,
      `${name}-server`,
      { name: `bosun-${name}`, port: args.port, tunnelAddress: `${args.serverAddress}/${prefix}`, dns },
      self,
    );
    this.server = new WireguardServer(`${name}-server`, sa, so);

    const ruleOf = (r: Omit<RuleArgs, "sequence"> & { sequence?: number }): RuleArgs => ({ sequence: 150, ...r });
    const rules: [RuleArgs, string][] = [
      [
        ruleOf({
          key: "wan-udp",
          action: "pass",
          source: "any",
          destination: "(self)",
          port: String(args.port),
          protocol: "udp",
          description: `${name}: WireGuard from anywhere`,
        }),
        "wan",
      ],
      // DNS to the box over the tunnel.
      [
        ruleOf({ key: "dns", action: "pass", source: args.subnet, destination: "(self)", port: "53", protocol: "udp", description: `${name}: DNS` }),
        "wireguard",
      ],
      ...args.allow.map((to): [RuleArgs, string] => [
        ruleOf({
          key: `to-${to.replace(/[^a-z0-9]+/gi, "-")}`,
          action: "pass",
          source: args.subnet,
          destination: to,
          protocol: "any",
          description: `${name}: peers to ${to}`,
        }),
        "wireguard",
      ]),
    ];
    // WireGuard's interface group exists once an instance does: its rules wait for the instance.
    const group = this.server.uuid.apply(() => "wireguard");
    const placed = rules.map(([r, iface]) => ({ ...r, interface: iface === "wireguard" ? group : iface }));
    const set = createRuleSet(name, placed, this, args.transform?.rule);
    if (!set) throw new pulumi.RunError(`Vpn "${name}" has no rules`); // never: the WAN rule is always there
    this.rules = set;

    const routes = args.clientRoutes ?? args.allow.flatMap((a) => (a === "any" ? ["0.0.0.0/0"] : a.includes("/") ? [a] : []));
    this.peers = Object.fromEntries(
      args.peers.map((p) => {
        const [pa, po] = transformed(
          args.transform?.peer,
          `${name}-peer-${p.name}`,
          {
            name: p.name,
            server: this.server.uuid,
            serverPublicKey: this.server.publicKey,
            endpoint: args.endpoint,
            tunnelAddress: `${p.address}/32`,
            allowedIps: [...new Set([args.subnet, ...routes])],
            dns,
          },
          self,
        );
        return [p.name, new WireguardPeer(`${name}-peer-${p.name}`, pa, po)];
      }),
    );
    this.registerOutputs({ publicKey: this.server.publicKey });
  }
}
