// Challenge solvers: what the issuer calls to prove control of a name, as a
// discriminated union on `type` (after SST's dns.ts adapters). An adapter is
// code living in the provider process; what a resource stores is only its
// data form, `SolverConfig`, which `solverFor()` (index.ts) turns into an adapter.
//
// Contract for every adapter:
// - present() resolves only once the CA can see the response (for DNS: the
//   TXT record is published where the CA's resolvers will ask). It may be
//   called for several names/tokens before any cleanup.
// - cleanup() is called for every present() that resolved, also when the
//   issuance failed; it must tolerate a record/token that is already gone.
// - Errors are thrown as Error with a message naming what failed (the host,
//   the API and its answer), never with credentials in it.
// Credentials (API tokens) are never part of SolverConfig: an adapter reads
// them from stack config through the resource's configure(), see index.ts.

/** HTTP-01: serve `keyAuthorization` at http://<name>:80/.well-known/acme-challenge/<token>. */
export interface Http01Adapter {
  type: "http-01";
  present(token: string, keyAuthorization: string): Promise<void>;
  cleanup(token: string): Promise<void>;
}

/**
 * DNS-01: publish a TXT record `fqdn` (e.g. "_acme-challenge.example.com", no
 * trailing dot) with `value` (the base64url SHA-256 digest). Several values
 * may be published at once under one fqdn (a name and its wildcard):
 * present() adds, it never replaces, and cleanup() removes that one value.
 */
export interface Dns01Adapter {
  type: "dns-01";
  present(fqdn: string, value: string): Promise<void>;
  cleanup(fqdn: string, value: string): Promise<void>;
}

export type ChallengeAdapter = Http01Adapter | Dns01Adapter;
export type ChallengeType = ChallengeAdapter["type"];

/**
 * HTTP-01 answered by a small HTTP server this process runs during issuance.
 * The deployment routes port 80 of every name to `address:port` (on OPNsense:
 * an HAProxy rule for /.well-known/acme-challenge/ to this host).
 */
export interface StandaloneHttp01Config {
  type: "http-01";
  provider: "standalone";
  /** @default "0.0.0.0" */
  address?: string;
  /** @default 80 */
  port?: number;
}

/** DNS-01 through pebble-challtestsrv's management API (tests only: it has no authentication). */
export interface ChalltestsrvDns01Config {
  type: "dns-01";
  provider: "challtestsrv";
  /** Management API, e.g. "http://127.0.0.1:8055". */
  url: string;
}

/** DNS-01 through Cloudflare's records API; the token from stack config (cloudflare:apiToken). */
export interface CloudflareDns01Config {
  type: "dns-01";
  provider: "cloudflare";
  /** Zones the records may go in (the longest holding the name). @default looked up by walking up the name */
  zones?: string[];
}

// HTTP-01 through OPNsense: the reverse proxy routes /.well-known/acme-challenge/ of every
// published name to the standalone solver (components/reverse-proxy.ts ProxyEntry).
export type SolverConfig = StandaloneHttp01Config | ChalltestsrvDns01Config | CloudflareDns01Config;
