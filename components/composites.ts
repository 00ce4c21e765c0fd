// Composites a person asks for by name. Each is a ContainerService plus its DNS
// name (and, for DevEnvironment, a database next to the app); the network side
// (VLAN, DHCP, firewall) comes from the segment the spec puts them on.
import * as pulumi from "@pulumi/pulumi";
import { ContainerService, type ContainerServiceArgs } from "./container-service.ts";
import { DnsRecord } from "./dns-record.ts";
import type { DnsRecordSpec } from "../stacks/model/mapping.ts";

export interface AppArgs extends ContainerServiceArgs {
  dns: DnsRecordSpec;
}

class App extends pulumi.ComponentResource {
  readonly service: ContainerService;
  readonly dns: DnsRecord;
  constructor(type: string, name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.service = new ContainerService(`${name}-app`, args, { parent: this });
    this.dns = new DnsRecord(`${name}-dns`, args.dns, { parent: this });
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

export interface DevEnvironmentArgs {
  app: AppArgs;
  database: ContainerServiceArgs;
  /** The reverse proxy's host entry for the app (a DNS name pointing at the proxy). */
  proxy?: DnsRecordSpec;
}

/** An app, its database and a reverse-proxy DNS entry. */
export class DevEnvironment extends pulumi.ComponentResource {
  readonly app: WebApp;
  readonly database: ContainerService;
  readonly proxy?: DnsRecord;
  constructor(name: string, args: DevEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:DevEnvironment", name, {}, opts);
    this.database = new ContainerService(`${name}-db`, args.database, { parent: this });
    this.app = new WebApp(`${name}-web`, args.app, { parent: this, dependsOn: [this.database] });
    if (args.proxy) this.proxy = new DnsRecord(`${name}-proxy`, args.proxy, { parent: this });
    this.registerOutputs({ app: this.app.dns.fqdn });
  }
}
