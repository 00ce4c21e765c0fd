// Thin Pulumi resource classes for bosun's internal CA (private names such as
// grafana.home.arpa). Implementations live in *-impl.ts and run in Pulumi's
// dynamic-provider process (providers/kit). Keys are secret outputs.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";
import type { KeyType } from "../client/x509.ts";

export type { KeyType };
type In<T> = pulumi.Input<T>;

const MODULE = "ca";
const rootProvider = dynamicProvider(implPath("./root-impl.ts", import.meta.url));
const leafProvider = dynamicProvider(implPath("./leaf-impl.ts", import.meta.url));

export interface RootCaArgs {
  /** Subject CN; changing it makes a new root (and re-signs its leaves). @default "bosun home CA" */
  commonName?: In<string>;
  /** Subject O. @example "Smith family homelab" */
  organization?: In<string>;
  /** @default "ecdsa-p256" */
  keyType?: In<KeyType>;
  /** Validity of each root made (fractions allowed). @default 3650 */
  validityDays?: In<number>;
  /** Rotate (new key and certificate, leaves re-signed) once fewer days remain. Must be less than validityDays. @default 180 */
  rotateBeforeDays?: In<number>;
}

/** A self-signed root; its certificate (certPem) is what devices import to trust bosun's private names. */
export class RootCa extends DynamicResource {
  /** PEM, plain (public): export it to devices. */
  declare readonly certPem: pulumi.Output<string>;
  /** PKCS#8 PEM, secret. */
  declare readonly keyPem: pulumi.Output<string>;
  /** SHA-256, colon-separated hex, to compare with what a device shows. */
  declare readonly fingerprint: pulumi.Output<string>;
  declare readonly serial: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  declare readonly rotateAt: pulumi.Output<string>;
  declare readonly rotationDue: pulumi.Output<boolean>;
  /** The root replaced by the last rotation ("" before any); trust both while devices catch up. */
  declare readonly previousCertPem: pulumi.Output<string>;
  constructor(name: string, args: RootCaArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(
      rootProvider,
      name,
      {
        ...args,
        certPem: undefined,
        keyPem: undefined,
        fingerprint: undefined,
        serial: undefined,
        notAfter: undefined,
        rotateAt: undefined,
        rotationDue: undefined,
        previousCertPem: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["keyPem"] }),
      MODULE,
      "RootCa",
    );
  }
}

export interface LeafCertificateArgs {
  /** The signing root (a RootCa, or its certPem and keyPem). */
  ca: { certPem: In<string>; keyPem: In<string> };
  /** @example ["grafana.home.arpa"] */
  dnsNames?: In<In<string>[]>;
  /** @example ["10.20.0.15"] */
  ipAddresses?: In<In<string>[]>;
  /** @default the first DNS name (else the first IP) */
  commonName?: In<string>;
  /** @default "ecdsa-p256" */
  keyType?: In<KeyType>;
  /** Never beyond the root's own expiry (fractions allowed). @default 90 */
  validityDays?: In<number>;
  /** Re-sign once fewer days remain; must be less than validityDays. @default 30 */
  renewBeforeDays?: In<number>;
}

/** A TLS server certificate signed by a RootCa; re-signed by `up` inside its window or when the root rotates. */
export class LeafCertificate extends DynamicResource {
  declare readonly certPem: pulumi.Output<string>;
  /** PKCS#8 PEM, secret. */
  declare readonly keyPem: pulumi.Output<string>;
  /** Leaf then root. */
  declare readonly fullChainPem: pulumi.Output<string>;
  declare readonly serial: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  declare readonly renewAt: pulumi.Output<string>;
  declare readonly renewalDue: pulumi.Output<boolean>;
  declare readonly signedByCa: pulumi.Output<boolean>;
  constructor(name: string, args: LeafCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    const { ca, ...rest } = args;
    super(
      leafProvider,
      name,
      {
        ...rest,
        caCertPem: ca.certPem,
        caKeyPem: pulumi.secret(ca.keyPem),
        certPem: undefined,
        keyPem: undefined,
        fullChainPem: undefined,
        serial: undefined,
        notAfter: undefined,
        renewAt: undefined,
        renewalDue: undefined,
        signedByCa: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["keyPem"] }),
      MODULE,
      "LeafCertificate",
    );
  }
}
