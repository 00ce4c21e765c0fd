// A dev environment (the vision's example 2) from one intent: a workspace where
// the code runs (a container with the app's runtime, or a VM/LXC container),
// its database, and the entry people open: a DNS name on OPNsense pointing at
// the reverse proxy (HAProxy on OPNsense), which serves https://<name>/ with a
// certificate from bosun's internal CA and sends requests to the workspace's
// port. The segment they share is the stack's NetworkSegment, and the route and
// certificate belong to the stack's one ReverseProxy (so HAProxy reconfigures
// once per deployment); both are made beside this (stacks/program/edge.ts).
// Without tls the name points straight at the workspace.
import * as pulumi from "@pulumi/pulumi";
import { type AppArgs, WebApp } from "./composites.ts";
import { DnsRecord, type DnsRecordArgs } from "./dns-record.ts";
import { ProxmoxGuest, type ProxmoxGuestArgs } from "./proxmox-guest.ts";

export interface DevEnvironmentArgs {
  /**
   * Where the code runs: a container (`app`, e.g. node:22-bookworm kept running with `sleep infinity`)
   * or a Proxmox guest (`guest`). Exactly one.
   * @example { app: { container: { name: "webapp-dev", image: "node:22-bookworm", command: ["sleep", "infinity"], … }, dns: … } }
   */
  workspace: { app: AppArgs; guest?: undefined } | { guest: ProxmoxGuestArgs; app?: undefined };
  /** The database service. @default none @example { container: { name: "webapp-db", image: "postgres:17", … }, dns: … } */
  database?: AppArgs;
  /**
   * The entry people open: a host override on the reverse proxy's LAN address (with `tls`), else on the workspace's.
   * @example { hostname: "webapp", domain: "home.arpa", address: "10.70.0.1" }
   */
  proxy: DnsRecordArgs;
  /** The app's port in the workspace (in `url` without `tls`). @default none (url without a port) @example 3000 */
  port?: number;
  /**
   * The reverse proxy serves the entry over HTTPS (its route and certificate are the stack's proxy's): `url` is https://<name>/.
   * @default false
   * @example true
   */
  tls?: boolean;
}

export class DevEnvironment extends pulumi.ComponentResource {
  readonly workspace: WebApp | ProxmoxGuest;
  readonly database?: WebApp;
  readonly proxy: DnsRecord;
  /** What people open, e.g. "https://webapp.home.arpa/" (without tls "http://webapp.home.arpa:3000/"). */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: DevEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:DevEnvironment", name, {}, opts);
    if ((args.workspace.app === undefined) === (args.workspace.guest === undefined)) {
      throw new pulumi.RunError(`DevEnvironment "${name}": workspace needs exactly one of app or guest`);
    }
    const self = { parent: this };
    // The database first: the workspace's environment points at it.
    if (args.database !== undefined) this.database = new WebApp(`${name}-database`, args.database, self);
    const after = this.database ? [this.database] : [];
    this.workspace =
      args.workspace.app !== undefined
        ? new WebApp(`${name}-workspace`, args.workspace.app, { ...self, dependsOn: after })
        : new ProxmoxGuest(`${name}-workspace`, args.workspace.guest as ProxmoxGuestArgs, { ...self, dependsOn: after });
    this.proxy = new DnsRecord(`${name}-proxy`, args.proxy, { ...self, dependsOn: [this.workspace] });
    this.url = args.tls
      ? pulumi.interpolate`https://${this.proxy.fqdn}/`
      : pulumi.interpolate`http://${this.proxy.fqdn}${args.port !== undefined ? `:${args.port}` : ""}/`;
    this.registerOutputs({ url: this.url, proxy: this.proxy.fqdn });
  }
}
