// Thin Pulumi resource classes for ACME. Each passes its args plus `undefined`
// placeholders for outputs to a tiny serialized provider (providers/kit);
// the implementations live in *-impl.ts and run in Pulumi's dynamic-provider
// process. Keys are secret outputs (additionalSecretOutputs).
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";
import type { AcmeAccountArgs, AcmeCertificateArgs, KeyType, SolverConfig } from "./types.ts";

export type * from "./types.ts";

const MODULE = "acme";
const accountProvider = dynamicProvider(implPath("./account-impl.ts", import.meta.url));
const certificateProvider = dynamicProvider(implPath("./certificate-impl.ts", import.meta.url));

/** An ACME account at one directory: key made here, registered with the terms agreed; delete deactivates it. */
export class AcmeAccount extends DynamicResource {
  declare readonly directoryUrl: pulumi.Output<string>;
  declare readonly directoryCaPem: pulumi.Output<string | undefined>;
  declare readonly email: pulumi.Output<string | undefined>;
  declare readonly keyType: pulumi.Output<KeyType>;
  /** The account's URL at the CA (its key id). */
  declare readonly accountUrl: pulumi.Output<string>;
  /** PKCS#8 PEM, secret. */
  declare readonly accountKeyPem: pulumi.Output<string>;
  /** "valid"; after a refresh "deactivated"/"revoked" if the CA says so (the next up replaces it). */
  declare readonly status: pulumi.Output<string>;
  constructor(name: string, args: AcmeAccountArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      accountProvider,
      name,
      { ...args, accountUrl: undefined, accountKeyPem: undefined, status: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["accountKeyPem"] }),
      MODULE,
      "Account",
    );
  }
}

/**
 * A certificate from an ACME CA. Renewed in place by `up` once fewer than
 * renewBeforeDays remain (the new one is issued before the old is dropped);
 * revoked on delete.
 */
export class AcmeCertificate extends DynamicResource {
  declare readonly names: pulumi.Output<string[]>;
  declare readonly solver: pulumi.Output<SolverConfig>;
  /** PKCS#8 PEM, secret. */
  declare readonly privateKeyPem: pulumi.Output<string>;
  /** The leaf certificate, PEM. */
  declare readonly certificatePem: pulumi.Output<string>;
  /** Intermediates, PEM (leaf excluded). */
  declare readonly issuerPem: pulumi.Output<string>;
  /** Leaf + intermediates: what a server presents. */
  declare readonly fullChainPem: pulumi.Output<string>;
  /** Hex, lower case. */
  declare readonly serial: pulumi.Output<string>;
  declare readonly notBefore: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  declare readonly renewAt: pulumi.Output<string>;
  /** Start of the CA's suggested renewal window (ARI) as of the last refresh; "" when not known. */
  declare readonly ariWindowStart: pulumi.Output<string>;
  declare readonly renewalDue: pulumi.Output<boolean>;
  constructor(name: string, args: AcmeCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    const { account, ...rest } = args;
    super(
      certificateProvider,
      name,
      {
        ...rest,
        directoryUrl: account.directoryUrl,
        directoryCaPem: account.directoryCaPem,
        accountUrl: account.accountUrl,
        // Kept as an input (stored encrypted, as it comes from a secret output), never as an output.
        accountKeyPem: pulumi.secret(account.accountKeyPem),
        privateKeyPem: undefined,
        certificatePem: undefined,
        issuerPem: undefined,
        fullChainPem: undefined,
        serial: undefined,
        notBefore: undefined,
        notAfter: undefined,
        renewAt: undefined,
        ariWindowStart: undefined,
        renewalDue: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKeyPem"] }),
      MODULE,
      "Certificate",
    );
  }
}
