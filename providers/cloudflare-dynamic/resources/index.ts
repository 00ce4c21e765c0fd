// Cloudflare DNS resources for bosun (the @pulumi/cloudflare plugin cannot be
// built here). Thin classes over tiny serialized providers; the implementations
// in *-impl.ts run in Pulumi's dynamic-provider process and talk to Cloudflare
// through the official SDK. The token comes from stack config
// (cloudflare:apiToken) through configure(), never from these args.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";
import type { DnsRecordArgs, DynamicDnsRecordArgs } from "./types.ts";

export type * from "./types.ts";
export { splitHorizon, type SplitHorizonArgs, type SplitHorizonPair } from "./split-horizon.ts";

const MODULE = "cloudflare";
export const dnsRecordProvider = dynamicProvider(implPath("./dns-record-impl.ts", import.meta.url));
export const dynamicDnsRecordProvider = dynamicProvider(implPath("./dynamic-dns-record-impl.ts", import.meta.url));

/** The comment that marks a record as this resource's: how a lost create is found again, and how others' records are told apart. */
export const recordMarker = (name: string) => `bosun:${pulumi.getStack()}/${name}`;

const outputs = { zoneId: undefined, zoneName: undefined, comment: undefined };

/** One public DNS record (A, AAAA, CNAME, TXT) in a Cloudflare zone. */
export class DnsRecord extends DynamicResource {
  declare readonly zoneId: pulumi.Output<string>;
  declare readonly zoneName: pulumi.Output<string>;
  /** Fully qualified, as Cloudflare holds it. */
  declare readonly name: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly content: pulumi.Output<string>;
  declare readonly ttl: pulumi.Output<number>;
  declare readonly proxied: pulumi.Output<boolean>;
  /** `bosun:<stack>/<name>`, then the note. */
  declare readonly comment: pulumi.Output<string>;
  constructor(name: string, args: DnsRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(dnsRecordProvider, name, { ...args, marker: recordMarker(name), ...outputs }, opts, MODULE, "DnsRecord");
  }
}

/** An A/AAAA record that follows the WAN address (given, or looked up at every refresh). */
export class DynamicDnsRecord extends DynamicResource {
  declare readonly zoneId: pulumi.Output<string>;
  declare readonly zoneName: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  /** The address the record holds. */
  declare readonly content: pulumi.Output<string>;
  /** The WAN address as last learned. */
  declare readonly wanAddress: pulumi.Output<string>;
  declare readonly comment: pulumi.Output<string>;
  constructor(name: string, args: DynamicDnsRecordArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      dynamicDnsRecordProvider,
      name,
      { ...args, marker: recordMarker(name), ...outputs, content: undefined, wanAddress: undefined },
      opts,
      MODULE,
      "DynamicDnsRecord",
    );
  }
}
