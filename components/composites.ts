// Composites a person asks for by name: a ContainerService with its DNS name
// and the filter rules that let its published ports in. The VLAN, DHCP and the
// segment's own rules come from the NetworkSegment the service runs on.
import * as pulumi from "@pulumi/pulumi";
import type { FirewallRuleArgs, FirewallRuleSet } from "../providers/opnsense-dynamic/resources/index.ts";
import { ContainerService, type ContainerServiceArgs } from "./container-service.ts";
import { DnsRecord, type DnsRecordArgs } from "./dns-record.ts";
import { createRuleSet, type RuleArgs } from "./firewall-rule.ts";
import type { Transform } from "./transform.ts";

/** A rule that lets traffic to this service in on one interface (another segment's, "lan" or "wan"). */
export interface ServiceRuleArgs extends RuleArgs {
  /** OPNsense interface key the traffic enters on. @example segment.interfaceKey */
  interface: pulumi.Input<string>;
}

export interface AppArgs {
  container: ContainerServiceArgs;
  dns: DnsRecordArgs;
  /** Filter rules for the published ports. @default [] */
  rules?: ServiceRuleArgs[];
  /** `rule`: each rule's args (options do not apply: the rules share one FirewallRuleSet). */
  transform?: { rule?: Transform<FirewallRuleArgs> };
}

class App extends pulumi.ComponentResource {
  readonly service: ContainerService;
  readonly dns: DnsRecord;
  /** Its filter rules, one resource (absent without rules). */
  readonly rules?: FirewallRuleSet;
  constructor(type: string, name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.service = new ContainerService(`${name}-app`, args.container, { parent: this });
    this.dns = new DnsRecord(`${name}-dns`, args.dns, { parent: this });
    this.rules = createRuleSet(name, args.rules ?? [], this, args.transform?.rule);
    this.registerOutputs({ fqdn: this.dns.fqdn, containerId: this.service.container.containerId });
  }
}

/** A game server from the catalog (Minecraft: EULA accepted, memory scaled by players, 25565/tcp). */
export class GameServer extends App {
  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:GameServer", name, args, opts);
  }
}

/** A web application with its DNS name. */
export class WebApp extends App {
  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:WebApp", name, args, opts);
  }
}
