// What the ACME resources take and give. Program-facing args are Inputs; the
// provider side sees the checked plain values (schemas.ts).
import type * as pulumi from "@pulumi/pulumi";
import type { KeyType } from "../client/acme.ts";
import type { SolverConfig } from "../solvers/types.ts";

type In<T> = pulumi.Input<T>;

export type { KeyType, SolverConfig };

export interface AcmeAccountArgs {
  /** The CA's ACME directory; changing it registers a new account. @example "https://acme-v02.api.letsencrypt.org/directory" */
  directoryUrl: In<string>;
  /** PEM of the CA behind the directory's HTTPS certificate, when it is not publicly trusted (Pebble, a private CA). Trusted for that directory only. @default system roots */
  directoryCaPem?: In<string>;
  /** Contact for the CA's notices. @example "ops@example.com" */
  email?: In<string>;
  /** Must be true: agreement to the CA's terms of service. */
  termsAgreed: In<boolean>;
  /** Account key type; changing it registers a new account. @default "ecdsa-p256" */
  keyType?: In<KeyType>;
}

export interface AcmeCertificateArgs {
  /** The account to order with (its key never appears in this resource's outputs). */
  account: {
    directoryUrl: In<string>;
    directoryCaPem?: In<string | undefined>;
    accountUrl: In<string>;
    accountKeyPem: In<string>;
  };
  /** DNS names; the first is the subject CN. Changing them replaces the certificate. @example ["cloud.example.com"] */
  names: In<In<string>[]>;
  /** Zones names must be in; anything else is refused at preview. @example ["example.com"] */
  zones: In<In<string>[]>;
  /** How control is proven. Wildcards need dns-01. @example { type: "http-01", provider: "standalone", port: 8402 } */
  solver: In<SolverConfig>;
  /** Certificate key type; changing it replaces the certificate. @default "ecdsa-p256" */
  keyType?: In<KeyType>;
  /** ACME profile (e.g. Let's Encrypt's "shortlived"). @default the CA's default */
  profile?: In<string>;
  /** Renew when fewer days than this remain before notAfter. @default 30 */
  renewBeforeDays?: In<number>;
}
