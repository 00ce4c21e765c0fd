// The contract of bosun's Cloudflare DNS resources: what components pass in.
// Connection: stack config `cloudflare:apiToken` (secret), optionally
// `cloudflare:zones` (allow-list) and `cloudflare:apiBaseUrl` (stand-in only).
import type * as pulumi from "@pulumi/pulumi";

type In<T> = pulumi.Input<T>;

export type DnsRecordType = "A" | "AAAA" | "CNAME" | "TXT";

interface RecordCommon {
  /** The zone: its name or its 32-character id. Changing it replaces the record. @example "example.com" */
  zone: In<string>;
  /**
   * Fully qualified name inside the zone, "@" for the apex, or one label relative to the zone.
   * Names outside the zone are refused. Changing it replaces the record.
   * @example "cloud.example.com"
   */
  name: In<string>;
  /** Seconds, 60–86400, or 1 for Cloudflare's automatic TTL. Proxied records always have 1. */
  ttl?: In<number>;
  /** Through Cloudflare's proxy (orange cloud); A, AAAA and CNAME only. @default false */
  proxied?: In<boolean>;
  /** Free text after the marker in the record's comment (at most 100 characters together). @default "" */
  note?: In<string>;
}

export interface DnsRecordArgs extends RecordCommon {
  /** Changing it replaces the record. */
  type: In<DnsRecordType>;
  /** IPv4 for A, IPv6 for AAAA, a host name for CNAME, text for TXT. @example "203.0.113.10" */
  content: In<string>;
  /** @default 1 (automatic) */
  ttl?: In<number>;
}

export interface DynamicDnsRecordArgs extends RecordCommon {
  /** @default "A" */
  type?: In<"A" | "AAAA">;
  /** The WAN address, when the program knows it (e.g. read from OPNsense). Exactly one of address or lookupUrl. @example "198.51.100.7" */
  address?: In<string>;
  /**
   * A "what is my IP" URL answering the address as text or as JSON `{"ip": ...}`; fetched at create,
   * update and every refresh (a changed answer is drift that the next up repairs).
   * @example "https://api.ipify.org"
   */
  lookupUrl?: In<string>;
  /** @default 60 */
  ttl?: In<number>;
}
