// A local DNS name: an Unbound host override on OPNsense.
import * as pulumi from "@pulumi/pulumi";
import { HostOverride } from "../providers/opnsense-dynamic/resources/index.ts";
import type { DnsRecordSpec } from "../stacks/model/mapping.ts";

export class DnsRecord extends pulumi.ComponentResource {
  readonly override: HostOverride;
  readonly fqdn: pulumi.Output<string>;
  constructor(name: string, args: DnsRecordSpec, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:DnsRecord", name, {}, opts);
    this.override = new HostOverride(
      `${name}-override`,
      { hostname: args.hostname, domain: args.domain, address: args.address, type: args.type, description: args.description },
      { parent: this },
    );
    this.fqdn = this.override.fqdn;
    this.registerOutputs({ fqdn: this.fqdn });
  }
}
