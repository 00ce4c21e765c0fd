// Thin Pulumi resource classes for the edge of the network on OPNsense: the
// os-haproxy reverse proxy, the trust store, WireGuard, port forwards, the
// traffic shaper and the IDS. Same shape as index.ts (args with JSDoc, output
// placeholders, one tiny serialized provider per type); implementations in
// *-impl.ts. Longer than most modules: it is these resources' whole public surface.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";
import { ownerTag } from "./owner.ts";

type In<T> = pulumi.Input<T>;
const MODULE = "opnsense";
const provider = (file: string) => dynamicProvider(implPath(file, import.meta.url));

const haproxyServerProvider = provider("./haproxy-server-impl.ts");
const haproxyBackendProvider = provider("./haproxy-backend-impl.ts");
const haproxyFrontendProvider = provider("./haproxy-frontend-impl.ts");
const haproxyConditionProvider = provider("./haproxy-condition-impl.ts");
const haproxyRuleProvider = provider("./haproxy-rule-impl.ts");
const trustCertProvider = provider("./trust-cert-impl.ts");
const wireguardServerProvider = provider("./wireguard-server-impl.ts");
const wireguardPeerProvider = provider("./wireguard-peer-impl.ts");
const portForwardProvider = provider("./port-forward-impl.ts");
const shaperPipeProvider = provider("./shaper-pipe-impl.ts");
const shaperRuleProvider = provider("./shaper-rule-impl.ts");
const idsPolicyProvider = provider("./ids-policy-impl.ts");
const idsSegmentProvider = provider("./ids-segment-impl.ts");

/** Outputs every item resource has: its uuid and a revision that changes on every write (ServiceApply triggers hash it). */
abstract class Item extends DynamicResource {
  declare readonly uuid: pulumi.Output<string>;
  declare readonly revision: pulumi.Output<string>;
}

function marked(type: string, name: string, args: object, outputs: string[]): Record<string, unknown> {
  return { ...args, ownerTag: ownerTag(type, name), ...Object.fromEntries([...outputs, "uuid", "revision"].map((k) => [k, undefined])) };
}

// ---- HAProxy (os-haproxy plugin) -------------------------------------------------------

export interface HaproxyServerArgs {
  /** Letters, digits, . _ -; names the server in haproxy.cfg. @example "cloud-app" */
  name: In<string>;
  /** @example "10.20.0.10" */
  address: In<string>;
  /** @example 80 */
  port: In<number>;
  /** Talk TLS to the upstream. @default false */
  ssl?: In<boolean>;
  /** Verify the upstream's certificate (with ssl). @default true */
  verify?: In<boolean>;
  /** @default "" */
  description?: In<string>;
}

/** One upstream of a backend. */
export class HaproxyServer extends Item {
  constructor(name: string, args: HaproxyServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(haproxyServerProvider, name, marked("HaproxyServer", name, args, []), opts, MODULE, "HaproxyServer");
  }
}

export interface HaproxyBackendArgs {
  /** @example "cloud" */
  name: In<string>;
  /** HaproxyServer uuids. */
  servers: In<In<string>[]>;
  /** @default "http" */
  mode?: In<"http" | "tcp">;
  /** @default "source" */
  algorithm?: In<"source" | "roundrobin" | "leastconn">;
  /** Add X-Forwarded-For. @default true */
  forwardFor?: In<boolean>;
  /** @default "" */
  description?: In<string>;
}

/** A pool of servers: one per published app. */
export class HaproxyBackend extends Item {
  constructor(name: string, args: HaproxyBackendArgs, opts?: pulumi.CustomResourceOptions) {
    super(haproxyBackendProvider, name, marked("HaproxyBackend", name, args, []), opts, MODULE, "HaproxyBackend");
  }
}

export interface HaproxyConditionArgs {
  /** No dots, commas, semicolons or brackets. @example "cloud_host" */
  name: In<string>;
  /** host: Host header is `value`; pathPrefix: path starts with `value`; tls: the connection is TLS. */
  kind: In<"host" | "pathPrefix" | "tls">;
  /** @example "cloud.example.com" @default "" */
  value?: In<string>;
  /** @default false */
  negate?: In<boolean>;
  /** @default "" */
  description?: In<string>;
}

/** What a rule tests (an ACL). */
export class HaproxyCondition extends Item {
  constructor(name: string, args: HaproxyConditionArgs, opts?: pulumi.CustomResourceOptions) {
    super(haproxyConditionProvider, name, marked("HaproxyCondition", name, args, []), opts, MODULE, "HaproxyCondition");
  }
}

export interface HaproxyRuleArgs {
  /** @example "cloud_route" */
  name: In<string>;
  /** use-backend: send to `backend`; redirect-https: 301 to the same URL over https. */
  action: In<"use-backend" | "redirect-https">;
  /** HaproxyBackend uuid (use-backend). */
  backend?: In<string>;
  /** HaproxyCondition uuids; none = always. @default [] */
  conditions?: In<In<string>[]>;
  /** @default "and" */
  operator?: In<"and" | "or">;
  /** @default "if" */
  test?: In<"if" | "unless">;
  /** @default "" */
  description?: In<string>;
}

/** A rule of a frontend (an action): the plugin's 4.x and 5.x models are both written. */
export class HaproxyRule extends Item {
  constructor(name: string, args: HaproxyRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(haproxyRuleProvider, name, marked("HaproxyRule", name, args, []), opts, MODULE, "HaproxyRule");
  }
}

export interface HaproxyFrontendArgs {
  /** @example "bosun-https" */
  name: In<string>;
  /** address:port. @example ["0.0.0.0:443"] */
  bind: In<In<string>[]>;
  /** @default "http" */
  mode?: In<"http" | "tcp">;
  /** HaproxyBackend uuid for requests no rule routes. */
  defaultBackend?: In<string>;
  /** TrustCertificate refids; any makes this a TLS listener (SNI picks among them). @default [] */
  certificates?: In<In<string>[]>;
  /** HaproxyRule uuids in the order they are tried. @default [] */
  rules?: In<In<string>[]>;
  /** @default true */
  forwardFor?: In<boolean>;
  /** @default "" */
  description?: In<string>;
}

/** A listener. Its create switches HAProxy on if it is off; a bind on the web GUI's port is refused at preview. */
export class HaproxyFrontend extends Item {
  /** True when bosun switched HAProxy on (and switches it off with the last frontend). */
  declare readonly serviceEnabled: pulumi.Output<boolean>;
  constructor(name: string, args: HaproxyFrontendArgs, opts?: pulumi.CustomResourceOptions) {
    super(haproxyFrontendProvider, name, marked("HaproxyFrontend", name, args, ["serviceEnabled"]), opts, MODULE, "HaproxyFrontend");
  }
}

// ---- trust store -------------------------------------------------------------------------

export interface TrustCertificateArgs {
  /** @example "cloud.example.com (bosun)" */
  description: In<string>;
  /** Leaf first, then intermediates. @example cert.fullChainPem */
  certificatePem: In<string>;
  /** Stored as a secret input; never an output (the outputs hold its SHA-256). @example cert.privateKeyPem */
  privateKeyPem: In<string>;
}

/** A certificate in OPNsense's trust store (System → Trust → Certificates), for HAProxy and the web GUI. */
export class TrustCertificate extends Item {
  /** As given (the box's entry also carries bosun's ownership mark after it). */
  declare readonly description: pulumi.Output<string>;
  /** What HAProxy frontends (and the web GUI setting) refer to. */
  declare readonly refid: pulumi.Output<string>;
  declare readonly commonName: pulumi.Output<string>;
  declare readonly notAfter: pulumi.Output<string>;
  declare readonly inUse: pulumi.Output<boolean>;
  declare readonly privateKeyHash: pulumi.Output<string>;
  constructor(name: string, args: TrustCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      trustCertProvider,
      name,
      marked("TrustCertificate", name, { ...args, privateKeyPem: pulumi.secret(args.privateKeyPem) }, [
        "refid",
        "commonName",
        "notAfter",
        "inUse",
        "privateKeyHash",
      ]),
      opts,
      MODULE,
      "TrustCertificate",
    );
  }
}

// ---- WireGuard -------------------------------------------------------------------------

export interface WireguardServerArgs {
  /** @example "bosun-vpn" */
  name: In<string>;
  /** UDP port. @default 51820 */
  port?: In<number>;
  /** The instance's address with the tunnel network's prefix. @example "10.99.0.1/24" */
  tunnelAddress: In<string>;
  /** DNS servers peers are told about. @default [] */
  dns?: In<In<string>[]>;
  mtu?: In<number>;
  /** @default true */
  enabled?: In<boolean>;
}

/** A WireGuard instance (its key pair made by bosun; the private key lives on the box only). */
export class WireguardServer extends Item {
  declare readonly publicKey: pulumi.Output<string>;
  /** e.g. "wg0". */
  declare readonly device: pulumi.Output<string>;
  declare readonly serviceEnabled: pulumi.Output<boolean>;
  constructor(name: string, args: WireguardServerArgs, opts?: pulumi.CustomResourceOptions) {
    super(wireguardServerProvider, name, marked("WireguardServer", name, args, ["publicKey", "device", "serviceEnabled"]), opts, MODULE, "WireguardServer");
  }
}

export interface WireguardPeerArgs {
  /** @example "phone" */
  name: In<string>;
  /** WireguardServer uuid; a change replaces the peer (new keys). */
  server: In<string>;
  serverPublicKey: In<string>;
  /** host:port the device dials. @example "vpn.example.com:51820" */
  endpoint: In<string>;
  /** @example "10.99.0.2/32" */
  tunnelAddress: In<string>;
  /** What the device sends through the tunnel. @example ["10.20.0.0/24"] */
  allowedIps: In<In<string>[]>;
  /** @default [] */
  dns?: In<In<string>[]>;
  /** @default 25 */
  keepalive?: In<number>;
  /** @default true */
  enabled?: In<boolean>;
}

/**
 * A device of a WireGuard instance. Its private key, its wg-quick client config
 * and that config as a QR code PNG (base64) are secret outputs.
 */
export class WireguardPeer extends Item {
  declare readonly publicKey: pulumi.Output<string>;
  /** Secret. */
  declare readonly privateKey: pulumi.Output<string>;
  /** Secret: the wg-quick config to import on the device. */
  declare readonly config: pulumi.Output<string>;
  /** Secret: the config as a QR code, PNG, base64. */
  declare readonly qrPng: pulumi.Output<string>;
  constructor(name: string, args: WireguardPeerArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      wireguardPeerProvider,
      name,
      { ...args, ...Object.fromEntries(["publicKey", "privateKey", "config", "qrPng", "uuid", "revision"].map((k) => [k, undefined])) },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["privateKey", "config", "qrPng"] }),
      MODULE,
      "WireguardPeer",
    );
  }
}

// ---- port forwards ------------------------------------------------------------------------

export interface PortForwardArgs {
  /** @default "wan" */
  interface?: In<string>;
  /** @default "tcp" */
  protocol?: In<"tcp" | "udp" | "tcp/udp">;
  /** Outside port or range. @example "443" */
  port: In<string>;
  /** Inside host. @example "10.20.0.10" */
  target: In<string>;
  /** Inside port. @default port */
  targetPort?: In<string>;
  /** @default 100 */
  sequence?: In<number>;
  /** @default "" */
  description?: In<string>;
}

/** A port forward (OPNsense 26.1+; before, refused with the UI steps). Pair it with a FirewallRule; ServiceApply("filter") makes it live. */
export class PortForward extends Item {
  constructor(name: string, args: PortForwardArgs, opts?: pulumi.CustomResourceOptions) {
    super(portForwardProvider, name, marked("PortForward", name, args, []), opts, MODULE, "PortForward");
  }
}

// ---- traffic shaper --------------------------------------------------------------------------

export interface ShaperPipeArgs {
  /** @example 50 */
  bandwidthMbit: In<number>;
  /** none: shared; src-ip/dst-ip: per host. @default "none" */
  mask?: In<"none" | "src-ip" | "dst-ip">;
  /** @example "guests download" */
  description: In<string>;
}

export class ShaperPipe extends Item {
  /** The pipe number the box gave it. */
  declare readonly number: pulumi.Output<number>;
  constructor(name: string, args: ShaperPipeArgs, opts?: pulumi.CustomResourceOptions) {
    super(shaperPipeProvider, name, marked("ShaperPipe", name, args, ["number"]), opts, MODULE, "ShaperPipe");
  }
}

export interface ShaperRuleArgs {
  /** @example "opt3" */
  interface: In<string>;
  /** @default "both" */
  direction?: In<"in" | "out" | "both">;
  /** @default "any" */
  source?: In<string>;
  /** @default "any" */
  destination?: In<string>;
  /** ShaperPipe uuid. */
  pipe: In<string>;
  /** @default 1 */
  sequence?: In<number>;
  /** @default "" */
  description?: In<string>;
}

export class ShaperRule extends Item {
  constructor(name: string, args: ShaperRuleArgs, opts?: pulumi.CustomResourceOptions) {
    super(shaperRuleProvider, name, marked("ShaperRule", name, args, []), opts, MODULE, "ShaperRule");
  }
}

// ---- IDS -------------------------------------------------------------------------------------

export interface IdsPolicyArgs {
  /** @default ["alert"] */
  matchActions?: In<In<"alert" | "drop" | "disable">[]>;
  newAction: In<"alert" | "drop" | "disable">;
  /** @default 0 */
  priority?: In<number>;
  description: In<string>;
}

export class IdsPolicy extends Item {
  constructor(name: string, args: IdsPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(idsPolicyProvider, name, marked("IdsPolicy", name, args, []), opts, MODULE, "IdsPolicy");
  }
}

export interface IdsSegmentArgs {
  /** @example "opt3" */
  interface: In<string>;
  /** IPS: block, not only alert (applies to the whole IDS). @default false */
  prevent?: In<boolean>;
}

/** An interface watched by the IDS (switched on if off). */
export class IdsSegment extends DynamicResource {
  declare readonly revision: pulumi.Output<string>;
  declare readonly added: pulumi.Output<boolean>;
  constructor(name: string, args: IdsSegmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(idsSegmentProvider, name, { ...args, added: undefined, enabledService: undefined, revision: undefined }, opts, MODULE, "IdsSegment");
  }
}
