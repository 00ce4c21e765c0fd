// One name, two answers (split horizon): outside, a Cloudflare record with the
// WAN address; inside, an Unbound host override with the address LAN clients
// reach the service at (the reverse proxy), so they do not hairpin through the WAN.
import * as pulumi from "@pulumi/pulumi";
import { DnsRecord as CloudflareRecord, splitHorizon, type DnsRecordArgs as CloudflareRecordArgs } from "../providers/cloudflare-dynamic/index.ts";
import { HostOverride, type HostOverrideArgs } from "../providers/opnsense-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface PublicNameArgs {
  /** @example "cloud.example.com" */
  fqdn: string;
  /** The Cloudflare zone holding it. @example "example.com" */
  zone: string;
  /** Where LAN clients connect (private). @example "10.30.0.1" */
  lanAddress: string;
  /** The WAN address (A/AAAA) or a name to CNAME to (the DDNS record). @example "203.0.113.7" */
  publicTarget: string;
  transform?: { public?: Transform<CloudflareRecordArgs>; lan?: Transform<HostOverrideArgs> };
}

export class PublicName extends pulumi.ComponentResource {
  readonly public: CloudflareRecord;
  readonly lan: HostOverride;
  constructor(name: string, args: PublicNameArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:PublicName", name, {}, opts);
    const self = { parent: this };
    const pair = splitHorizon({ fqdn: args.fqdn, zone: args.zone, lanAddress: args.lanAddress, publicTarget: args.publicTarget });
    const [pa, po] = transformed(args.transform?.public, `${name}-public`, { ...pair.public, note: "published by bosun" }, self);
    this.public = new CloudflareRecord(`${name}-public`, pa, po);
    const [la, lo] = transformed(args.transform?.lan, `${name}-lan`, pair.lan, self);
    this.lan = new HostOverride(`${name}-lan`, la, lo);
    this.registerOutputs({ fqdn: args.fqdn });
  }
}
