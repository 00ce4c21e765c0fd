// A local DNS name: an Unbound host override on OPNsense.
import * as pulumi from "@pulumi/pulumi";
import { HostOverride, type HostOverrideArgs } from "../providers/opnsense-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface DnsRecordArgs {
  /** Host label. @example "minecraft" */
  hostname: string;
  /** @example "home.arpa" */
  domain: string;
  /** @example "10.20.0.10" */
  address: string;
  /** @default "A" */
  type?: "A" | "AAAA";
  /** @default "" @example "service minecraft" */
  description?: string;
  transform?: { override?: Transform<HostOverrideArgs> };
}

export class DnsRecord extends pulumi.ComponentResource {
  readonly override: HostOverride;
  /** hostname.domain, e.g. "minecraft.home.arpa". */
  readonly fqdn: pulumi.Output<string>;
  constructor(name: string, args: DnsRecordArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:DnsRecord", name, {}, opts);
    const childName = `${name}-override`;
    const [overrideArgs, overrideOpts] = transformed(
      args.transform?.override,
      childName,
      { hostname: args.hostname, domain: args.domain, address: args.address, type: args.type ?? "A", description: args.description ?? "" },
      { parent: this },
    );
    this.override = new HostOverride(childName, overrideArgs, overrideOpts);
    this.fqdn = this.override.fqdn;
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
