// Test fixture program: declares bosun's Cloudflare DNS resources from config
// key `case` (JSON), so engine tests can create, update, replace and delete
// each kind through `pulumi up` without the spec layer in between.
import * as pulumi from "@pulumi/pulumi";
import { DnsRecord, DynamicDnsRecord } from "../../resources/index.ts";
import type { Case } from "./case.ts";

const spec = new pulumi.Config().requireObject<Case>("case");
const made: Record<string, DnsRecord | DynamicDnsRecord> = {};
for (const [name, args] of Object.entries(spec.records ?? {})) made[name] = new DnsRecord(name, args as never);
for (const [name, args] of Object.entries(spec.ddns ?? {})) made[name] = new DynamicDnsRecord(name, args as never);

export const ids = pulumi.all(Object.fromEntries(Object.entries(made).map(([k, r]) => [k, r.id])));
export const contents = pulumi.all(Object.fromEntries(Object.entries(made).map(([k, r]) => [k, r.content])));
