// The reverse proxy on OPNsense (os-haproxy): one frontend on 443 serving every
// published app by name with its certificate from the trust store, one backend
// per app, and a frontend on 80 that sends /.well-known/acme-challenge/ to
// bosun's HTTP-01 solver and redirects everything else to https.
//
// Two parts, so HTTP-01 works in the very deployment that adds a name:
// ProxyEntry (port 80: challenge route + redirect, applied on its own) goes live
// first; certificates that prove names through it wait for it; ReverseProxy
// (port 443 and the routes) is applied once after everything, so a renewal, a
// new app or a removed one costs one HAProxy reconfigure.
import * as pulumi from "@pulumi/pulumi";
import {
  applyAfter,
  HaproxyBackend,
  HaproxyCondition,
  HaproxyFrontend,
  HaproxyRule,
  HaproxyServer,
  TrustCertificate,
  type HaproxyFrontendArgs,
  type ServiceApply,
} from "../providers/opnsense-dynamic/resources/index.ts";
import { transformed, type Transform } from "./transform.ts";

export interface ProxyEntryArgs {
  /** Where port 80 listens. @example ["0.0.0.0:80"] */
  bind: string[];
  /** Where bosun answers HTTP-01 (the standalone solver), as the box reaches it; omitted = no challenge route (redirect only). @example { address: "192.168.1.10", port: 8402 } */
  solver?: { address: string; port: number };
  transform?: { frontend?: Transform<HaproxyFrontendArgs> };
}

/** Port 80: the ACME challenge route and the redirect to https, applied before any certificate is ordered through it. */
export class ProxyEntry extends pulumi.ComponentResource {
  readonly frontend: HaproxyFrontend;
  /** The reconfigure that made port 80 live: certificates proven by HTTP-01 depend on it. */
  readonly applied: ServiceApply;

  constructor(name: string, args: ProxyEntryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:ProxyEntry", name, {}, opts);
    const self = { parent: this };
    const members: (pulumi.CustomResource & { revision: pulumi.Output<string> })[] = [];
    const rules: pulumi.Input<string>[] = [];
    const challengePath = new HaproxyCondition(
      `${name}-challenge-path`,
      { name: "bosun_acme_challenge", kind: "pathPrefix", value: "/.well-known/acme-challenge/", description: "ACME HTTP-01 challenges" },
      self,
    );
    members.push(challengePath);
    if (args.solver) {
      const server = new HaproxyServer(
        `${name}-solver`,
        { name: "bosun-acme-solver", address: args.solver.address, port: args.solver.port, description: "bosun's HTTP-01 solver" },
        self,
      );
      const backend = new HaproxyBackend(`${name}-solver-pool`, { name: "bosun-acme", servers: [server.uuid], description: "ACME HTTP-01 challenges" }, self);
      const route = new HaproxyRule(
        `${name}-challenge-route`,
        { name: "bosun_acme_route", action: "use-backend", backend: backend.uuid, conditions: [challengePath.uuid], description: "ACME challenges to bosun" },
        self,
      );
      members.push(server, backend, route);
      rules.push(route.uuid);
    }
    const redirect = new HaproxyRule(
      `${name}-redirect`,
      { name: "bosun_to_https", action: "redirect-https", conditions: [challengePath.uuid], test: "unless", description: "everything else to https" },
      self,
    );
    members.push(redirect);
    rules.push(redirect.uuid);
    const [fa, fo] = transformed(args.transform?.frontend, `${name}-http`, { name: "bosun-http", bind: args.bind, rules, description: "bosun: port 80" }, self);
    this.frontend = new HaproxyFrontend(`${name}-http`, fa, fo);
    members.push(this.frontend);
    this.applied = applyAfter(`${name}-apply`, "haproxy", members, self);
    this.registerOutputs({});
  }
}

/** One published app: a name, where the app listens, and the certificate for the name. */
export interface ProxyRouteArgs {
  /** Resource-name-safe identity, e.g. the service name. @example "nextcloud" */
  key: string;
  /** @example "cloud.example.com" */
  host: string;
  /** Where the proxy reaches the app. @example { address: "10.30.0.10", port: 80 } */
  upstream: { address: pulumi.Input<string>; port: pulumi.Input<number> };
  /** The certificate's identity (several routes may share one). @example "cloud" */
  certificate: string;
}

export interface ReverseProxyArgs {
  /** Where port 443 listens. @example ["0.0.0.0:443"] */
  bind: string[];
  routes: ProxyRouteArgs[];
  /** Certificates by identity (routes name them): chain and key. */
  certificates: Record<string, { fullChainPem: pulumi.Input<string>; privateKeyPem: pulumi.Input<string>; names: string[] }>;
  /** Applied after these (the port-80 entry). @default [] */
  after?: pulumi.Resource[];
  transform?: { frontend?: Transform<HaproxyFrontendArgs> };
}

/** Port 443: one backend per app, each routed by its Host header, certificates from the trust store. */
export class ReverseProxy extends pulumi.ComponentResource {
  readonly frontend: HaproxyFrontend;
  readonly trust: Record<string, TrustCertificate>;
  readonly applied: ServiceApply;

  constructor(name: string, args: ReverseProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:ReverseProxy", name, {}, opts);
    const self = { parent: this };
    const members: (pulumi.CustomResource & { revision: pulumi.Output<string> })[] = [];
    this.trust = Object.fromEntries(
      Object.entries(args.certificates).map(([key, c]) => [
        key,
        new TrustCertificate(
          `${name}-cert-${key}`,
          { description: `${c.names.join(", ")} (bosun)`, certificatePem: c.fullChainPem, privateKeyPem: c.privateKeyPem },
          self,
        ),
      ]),
    );
    members.push(...Object.values(this.trust));
    const rules: pulumi.Input<string>[] = [];
    for (const r of args.routes) {
      const id = r.key.replace(/[^A-Za-z0-9_-]/g, "_");
      const server = new HaproxyServer(
        `${name}-${r.key}-server`,
        { name: `bosun-${id}`, address: r.upstream.address, port: r.upstream.port, description: r.host },
        self,
      );
      const backend = new HaproxyBackend(`${name}-${r.key}-backend`, { name: `bosun-${id}`, servers: [server.uuid], description: r.host }, self);
      const host = new HaproxyCondition(`${name}-${r.key}-host`, { name: `bosun_${id}_host`, kind: "host", value: r.host, description: r.host }, self);
      const rule = new HaproxyRule(
        `${name}-${r.key}-route`,
        { name: `bosun_${id}_route`, action: "use-backend", backend: backend.uuid, conditions: [host.uuid], description: r.host },
        self,
      );
      members.push(server, backend, host, rule);
      rules.push(rule.uuid);
    }
    const certificates = Object.values(this.trust).map((t) => t.refid);
    const [fa, fo] = transformed(
      args.transform?.frontend,
      `${name}-https`,
      { name: "bosun-https", bind: args.bind, certificates, rules, description: "bosun: published apps" },
      self,
    );
    this.frontend = new HaproxyFrontend(`${name}-https`, fa, fo);
    members.push(this.frontend);
    this.applied = applyAfter(`${name}-apply`, "haproxy", members, { ...self, dependsOn: args.after ?? [] });
    this.registerOutputs({});
  }
}
