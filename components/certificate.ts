// A TLS certificate for some names: from an ACME CA (Let's Encrypt, its
// staging, any RFC 8555 directory) proven by DNS-01 or HTTP-01, or signed by
// bosun's internal CA for private names (.home.arpa). Either way the outputs
// are the same: the chain, its key (secret) and when it expires. Renewal is the
// resources' own: a plain `up` inside the window issues the new one first, and
// the old stays in service until it exists.
import * as pulumi from "@pulumi/pulumi";
import { AcmeCertificate, type AcmeCertificateArgs, type SolverConfig } from "../providers/acme-dynamic/index.ts";
import { LeafCertificate, type LeafCertificateArgs } from "../providers/ca-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

/** An ACME account as AcmeCertificate takes it (an AcmeAccount is one). */
export interface AcmeAccountRef {
  directoryUrl: pulumi.Input<string>;
  directoryCaPem?: pulumi.Input<string | undefined>;
  accountUrl: pulumi.Input<string>;
  accountKeyPem: pulumi.Input<string>;
}

export interface CertificateArgs {
  /** Names; the first is the subject. @example ["cloud.example.com"] */
  names: string[];
  /**
   * acme: from `account` (public names, proven by `solver`); internal: signed by `ca`.
   * @example "acme"
   */
  issuer: "acme" | "internal";
  /** ACME: the account. */
  account?: AcmeAccountRef;
  /** ACME: zones the names must be in (refused at preview otherwise). @example ["example.com"] */
  zones?: string[];
  /** ACME: how control is proven. @example { type: "dns-01", provider: "cloudflare" } */
  solver?: SolverConfig;
  /** Internal: the signing root (a RootCa). */
  ca?: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  /** Renew when fewer days remain. @default 30 */
  renewBeforeDays?: number;
  /** ACME profile the CA offers (Let's Encrypt: "shortlived"). @default the CA's default */
  profile?: string;
  /** Resources the order must wait for (the proxy's challenge route being live). @default [] */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  transform?: { acme?: Transform<AcmeCertificateArgs>; leaf?: Transform<LeafCertificateArgs> };
}

export class Certificate extends pulumi.ComponentResource {
  /** Leaf then intermediates (or leaf then root for internal). */
  readonly fullChainPem: pulumi.Output<string>;
  /** Secret. */
  readonly privateKeyPem: pulumi.Output<string>;
  readonly notAfter: pulumi.Output<string>;
  readonly serial: pulumi.Output<string>;
  /** The issuing resource (AcmeCertificate or LeafCertificate). */
  readonly resource: AcmeCertificate | LeafCertificate;

  constructor(name: string, args: CertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:Certificate", name, {}, opts);
    if (args.names.length === 0) throw new Error(`Certificate ${name}: names must list at least one name`);
    const self = { parent: this, dependsOn: args.dependsOn ?? [] };
    if (args.issuer === "acme") {
      if (!args.account || !args.solver) throw new Error(`Certificate ${name}: an ACME certificate needs account and solver`);
      const [a, o] = transformed(
        args.transform?.acme,
        `${name}-acme`,
        {
          account: args.account,
          names: args.names,
          zones: args.zones ?? [...new Set(args.names.map((n) => n.replace(/^\*\./, "")))],
          solver: args.solver,
          ...(args.renewBeforeDays !== undefined ? { renewBeforeDays: args.renewBeforeDays } : {}),
          ...(args.profile !== undefined ? { profile: args.profile } : {}),
        },
        self,
      );
      const cert = new AcmeCertificate(`${name}-acme`, a, o);
      this.resource = cert;
      this.fullChainPem = cert.fullChainPem;
      this.privateKeyPem = cert.privateKeyPem;
      this.notAfter = cert.notAfter;
      this.serial = cert.serial;
    } else {
      if (!args.ca) throw new Error(`Certificate ${name}: an internal certificate needs ca (a RootCa)`);
      const [a, o] = transformed(
        args.transform?.leaf,
        `${name}-leaf`,
        { ca: args.ca, dnsNames: args.names, ...(args.renewBeforeDays !== undefined ? { renewBeforeDays: args.renewBeforeDays } : {}) },
        self,
      );
      const leaf = new LeafCertificate(`${name}-leaf`, a, o);
      this.resource = leaf;
      this.fullChainPem = leaf.fullChainPem;
      this.privateKeyPem = leaf.keyPem;
      this.notAfter = leaf.notAfter;
      this.serial = leaf.serial;
    }
    this.registerOutputs({ notAfter: this.notAfter, serial: this.serial });
  }
}
