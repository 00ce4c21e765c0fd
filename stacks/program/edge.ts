// The program's edge of the network: certificates, the reverse proxy for
// published services and dev environments (with split-horizon DNS), port
// forwards, the WireGuard VPN and per-segment limits and IDS, from the spec and
// these stack settings:
//
//   bosun:acme      { email, termsAgreed: true, directoryUrl?, stagingDirectoryUrl?, directoryCaPem?,
//                     solver?: "host:port" (where the box reaches bosun's HTTP-01 solver),
//                     solverListen?: "address:port" (where it listens; default 0.0.0.0 and solver's port),
//                     renewBeforeDays?, profile? (an ACME profile the CA offers, e.g. "shortlived") }
//   bosun:proxy     { https?: ["0.0.0.0:443"], http?: ["0.0.0.0:80"], lanAddress?: the address LAN names point at }
//   bosun:wanAddress  the public address for public records and the VPN endpoint
//   bosun:lanSubnet   OPNsense's LAN network, for VPN client routes ("lan") @default 192.168.1.0/24
//   bosun:manualPortForwards  true when the box (before 26.1) has its port forwards made by hand
//
// What it creates joins the program's one apply per OPNsense subsystem
// (returned members), so a deployment still reconfigures each service once.
import * as pulumi from "@pulumi/pulumi";
import { AcmeAccount, type SolverConfig } from "../../providers/acme-dynamic/index.ts";
import { RootCa } from "../../providers/ca-dynamic/index.ts";
import { applyAfter, HostOverride, PortForward, TrustCertificate, type FirewallRuleSet } from "../../providers/opnsense-dynamic/resources/index.ts";
import { Certificate, ProxyEntry, PublicName, ReverseProxy, SegmentPolicy, Vpn } from "../../components/index.ts";
import {
  certificatePlansFor,
  lanNamesFor,
  portForwardsFor,
  proxyRoutesFor,
  publicRecordsFor,
  vpnAllowFor,
  vpnPeersFor,
  type ProxyRoute,
} from "../model/mapping-edge.ts";
import { vpnServerAddress } from "../model/rules-edge.ts";
import type { SpecV1 } from "../model/index.ts";

const LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

interface AcmeSettings {
  email?: string;
  termsAgreed?: boolean;
  directoryUrl?: string;
  stagingDirectoryUrl?: string;
  directoryCaPem?: string;
  solver?: string;
  solverListen?: string;
  renewBeforeDays?: number;
  profile?: string;
}
interface ProxySettings {
  https?: string[];
  http?: string[];
  lanAddress?: string;
}

/** A missing stack setting, named, before anything is registered for it. */
function missing(setting: string, why: string): never {
  throw new pulumi.RunError(`${why}: set the stack setting ${setting} (see stacks/program/edge.ts)`);
}

function hostPort(value: string, setting: string): { address: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(value);
  if (!m) missing(setting, `${setting} must be host:port, not "${value}"`);
  return { address: m[1] as string, port: Number(m[2]) };
}

export interface EdgeContext {
  spec: SpecV1;
  /** A network's interface key (known once its segment exists). */
  interfaceOf(network: string): pulumi.Input<string>;
  /** Where the container host publishes ports (bridge mode), else undefined. */
  publishAddress?: string;
}

export interface Edge {
  /** Filter rules and port forwards for the filter apply. */
  filterMembers: (FirewallRuleSet | PortForward)[];
  /** Unbound overrides for the DNS apply. */
  unboundMembers: HostOverride[];
  /** The address the owner's own DNS name points at when the proxy serves it under that name (a service, a dev environment). */
  lanAddressOf(owner: ProxyRoute["owner"]): string | undefined;
  /** A spec certificate's chain and key (for services.<name>.tls), once issued. */
  certificateOf(key: string): { fullChainPem: pulumi.Output<string>; privateKeyPem: pulumi.Output<string> } | undefined;
  outputs: {
    rootCaPem?: pulumi.Output<string>;
    certificates: pulumi.Output<unknown>;
    published: Record<string, string>;
    vpnPeers?: pulumi.Output<unknown>;
    webGui?: pulumi.Output<unknown>;
  };
}

export function deployEdge(ctx: EdgeContext): Edge {
  const { spec } = ctx;
  const config = new pulumi.Config("bosun");
  const acme = config.getObject<AcmeSettings>("acme") ?? {};
  const proxy = config.getObject<ProxySettings>("proxy") ?? {};
  const wanAddress = config.get("wanAddress");
  const filterMembers: (FirewallRuleSet | PortForward)[] = [];
  const unboundMembers: HostOverride[] = [];

  // ---- certificates -----------------------------------------------------------------
  const plans = certificatePlansFor(spec);
  const routes = proxyRoutesFor(spec, ctx.publishAddress);
  const accounts = new Map<string, AcmeAccount>();
  const accountFor = (issuer: "acme" | "acme-staging"): AcmeAccount => {
    const known = accounts.get(issuer);
    if (known) return known;
    if (acme.termsAgreed !== true) missing("bosun:acme.termsAgreed", `an ACME certificate needs the CA's terms of service agreed (${issuer})`);
    const directoryUrl = issuer === "acme" ? (acme.directoryUrl ?? LETS_ENCRYPT) : (acme.stagingDirectoryUrl ?? LETS_ENCRYPT_STAGING);
    const account = new AcmeAccount(`${issuer}-account`, {
      directoryUrl,
      termsAgreed: true,
      ...(acme.email ? { email: acme.email } : {}),
      ...(acme.directoryCaPem ? { directoryCaPem: acme.directoryCaPem } : {}),
    });
    accounts.set(issuer, account);
    return account;
  };
  const needsHttp01 = plans.some((p) => p.challenge === "http-01");
  const solverTarget = acme.solver ? hostPort(acme.solver, "bosun:acme.solver") : undefined;
  if (needsHttp01 && !solverTarget) missing("bosun:acme.solver", "HTTP-01 certificates are answered by bosun behind the reverse proxy");

  // Port 80 goes live first when HTTP-01 needs it (its challenge route), or with the proxy.
  const entry =
    routes.length > 0 || needsHttp01
      ? new ProxyEntry("proxy-entry", { bind: proxy.http ?? ["0.0.0.0:80"], ...(solverTarget ? { solver: solverTarget } : {}) })
      : undefined;
  const root = plans.some((p) => p.issuer === "internal") ? new RootCa("internal-ca", { commonName: `bosun ${pulumi.getStack()} CA` }) : undefined;
  const certificates: Record<string, Certificate> = {};
  for (const plan of plans) {
    let solver: SolverConfig | undefined;
    if (plan.challenge === "http-01" && solverTarget) {
      const listen = acme.solverListen ? hostPort(acme.solverListen, "bosun:acme.solverListen") : { address: "0.0.0.0", port: solverTarget.port };
      solver = { type: "http-01", provider: "standalone", address: listen.address, port: listen.port };
    } else if (plan.challenge === "dns-01") {
      solver = { type: "dns-01", provider: "cloudflare" };
    }
    certificates[plan.key] = new Certificate(`cert-${plan.key}`, {
      names: plan.names,
      issuer: plan.issuer === "internal" ? "internal" : "acme",
      ...(plan.issuer !== "internal" ? { account: accountFor(plan.issuer), zones: plan.zones } : {}),
      ...(solver ? { solver } : {}),
      ...(root ? { ca: root } : {}),
      ...(acme.renewBeforeDays !== undefined ? { renewBeforeDays: acme.renewBeforeDays } : {}),
      ...(acme.profile !== undefined && plan.issuer !== "internal" ? { profile: acme.profile } : {}),
      ...(plan.challenge === "http-01" && entry ? { dependsOn: [entry.applied] } : {}),
    });
  }

  // ---- the reverse proxy and the names of what it serves ----------------------------------------
  // LAN clients reach the proxy on the gateway of the app's segment, unless bosun:proxy.lanAddress says where.
  const networkOf = new Map(routes.map((r) => [r.key, r.network]));
  const lanAddress = (key: string): string => proxy.lanAddress ?? spec.networks[networkOf.get(key) ?? ""]?.gateway ?? "";
  let reverseProxy: ReverseProxy | undefined;
  if (routes.length > 0) {
    const used = [...new Set(routes.map((r) => r.certificate))];
    reverseProxy = new ReverseProxy("proxy", {
      bind: proxy.https ?? ["0.0.0.0:443"],
      routes: routes.map((r) => ({ key: r.key, host: r.host, upstream: r.upstream, certificate: r.certificate })),
      certificates: Object.fromEntries(
        used.flatMap((key) => {
          const c = certificates[key];
          const plan = plans.find((p) => p.key === key);
          return c && plan ? [[key, { fullChainPem: c.fullChainPem, privateKeyPem: c.privateKeyPem, names: plan.names }]] : [];
        }),
      ),
      after: entry ? [entry.applied] : [],
    });
  }
  // ---- the web GUI's certificate: in the trust store (the proxy's entry when it has one) -----------
  // OPNsense has no API that selects the GUI's certificate (24.7-26.7): the output says where to choose it.
  const gui = Object.entries(spec.certificates)
    .filter(([, c]) => c.webGui)
    .flatMap(([key]) => {
      const c = certificates[key];
      const plan = plans.find((p) => p.key === key);
      if (!c || !plan) return [];
      const entry =
        reverseProxy?.trust[key] ??
        new TrustCertificate(`gui-cert-${key}`, {
          description: `${plan.names.join(", ")} (bosun, web GUI)`,
          certificatePem: c.fullChainPem,
          privateKeyPem: c.privateKeyPem,
        });
      return [[key, entry] as const];
    });
  const webGui =
    gui.length === 0
      ? undefined
      : pulumi.all(
          Object.fromEntries(
            gui.map(([key, entry]) => [
              key,
              pulumi.all([entry.description, entry.refid, entry.notAfter]).apply(([description, refid, notAfter]) => ({
                description,
                refid,
                notAfter,
                manualStep: `On the box, once: System > Settings > Administration > SSL certificate: choose "${description}" (bosun's mark follows it), then Save; OPNsense has no API for this setting`,
              })),
            ]),
          ),
        );

  const records = publicRecordsFor(spec);
  if (records.length > 0 && !wanAddress) missing("bosun:wanAddress", `public DNS records for ${records.map((r) => r.fqdn).join(", ")} need the WAN address`);
  for (const r of records) {
    const name = new PublicName(`name-${r.key}`, { fqdn: r.fqdn, zone: r.zone, lanAddress: lanAddress(r.key), publicTarget: wanAddress ?? "" });
    unboundMembers.push(name.lan);
  }
  const published = new Set(records.map((r) => r.key));
  const lanNames = lanNamesFor(spec);
  for (const n of lanNames) {
    if (n.ownName || published.has(n.key)) continue;
    unboundMembers.push(
      new HostOverride(`name-${n.key}-lan`, { hostname: n.hostname, domain: n.domain, address: lanAddress(n.key), description: `published ${n.key}` }),
    );
  }

  // ---- port forwards ("expose: any") ------------------------------------------------------------
  if (!config.getBoolean("manualPortForwards")) {
    for (const f of portForwardsFor(spec)) {
      filterMembers.push(
        new PortForward(`forward-${f.key}`, {
          protocol: f.protocol,
          port: f.port,
          target: f.target,
          description: `${f.service}: ${f.port}/${f.protocol} from the internet`,
        }),
      );
    }
  }

  // ---- the VPN ----------------------------------------------------------------------------------
  let vpnPeers: pulumi.Output<unknown> | undefined;
  if (spec.vpn !== undefined) {
    const vpn = spec.vpn;
    const endpointHost = vpn.endpoint ?? wanAddress ?? missing("bosun:wanAddress", "VPN peers need the address they dial (vpn.endpoint, or the WAN address)");
    const allow = vpnAllowFor(spec);
    const lanSubnet = config.get("lanSubnet") ?? "192.168.1.0/24";
    const server = new Vpn("vpn", {
      subnet: vpn.subnet,
      serverAddress: vpnServerAddress(vpn.subnet),
      port: vpn.port,
      endpoint: `${endpointHost}:${vpn.port}`,
      allow: allow.destinations,
      clientRoutes: [...allow.routes, ...(vpn.allow.includes("lan") ? [lanSubnet] : [])],
      peers: vpnPeersFor(spec),
    });
    filterMembers.push(server.rules);
    applyAfter("vpn-apply", "wireguard", [server.server, ...Object.values(server.peers)]);
    // The client configs hold private keys: secret outputs (see README "VPN peers").
    vpnPeers = pulumi.all(
      Object.fromEntries(
        Object.entries(server.peers).map(([n, p]) => [
          n,
          pulumi
            .all([p.publicKey, p.config, p.qrPng])
            .apply(([publicKey, config, qrPng]) => ({ publicKey, address: vpnPeersFor(spec).find((x) => x.name === n)?.address, config, qrPng })),
        ]),
      ),
    );
    vpnPeers = pulumi.secret(vpnPeers);
  }

  // ---- per-segment limits and IDS ------------------------------------------------------------
  const shaper: pulumi.CustomResource[] = [];
  const ids: pulumi.CustomResource[] = [];
  for (const [name, net] of Object.entries(spec.networks)) {
    if (net.limitMbit === undefined && (net.ids ?? "off") === "off") continue;
    const policy = new SegmentPolicy(`${name}-policy`, {
      interface: ctx.interfaceOf(name),
      subnet: net.subnet,
      ...(net.limitMbit !== undefined ? { limitMbit: net.limitMbit } : {}),
      ...(net.ids ? { ids: net.ids } : {}),
    });
    shaper.push(...policy.shaper);
    ids.push(...policy.ids);
  }
  if (shaper.length) applyAfter("shaper-apply", "shaper", shaper as never);
  if (ids.length) applyAfter("ids-apply", "ids", ids as never);

  const ownerKey = (o: ProxyRoute["owner"]) => `${o.kind} ${o.name}`;
  const lanOwn = new Map(lanNames.filter((n) => n.ownName).map((n) => [ownerKey(n.owner), lanAddress(n.key)]));
  return {
    filterMembers,
    unboundMembers,
    lanAddressOf: (owner) => lanOwn.get(ownerKey(owner)),
    certificateOf: (key) => {
      const c = certificates[key];
      return c ? { fullChainPem: c.fullChainPem, privateKeyPem: c.privateKeyPem } : undefined;
    },
    outputs: {
      ...(root ? { rootCaPem: root.certPem } : {}),
      certificates: pulumi.all(
        Object.fromEntries(
          Object.entries(certificates).map(([k, c]) => [k, pulumi.all([c.notAfter, c.serial]).apply(([notAfter, serial]) => ({ notAfter, serial }))]),
        ),
      ),
      published: Object.fromEntries(routes.filter((r) => r.owner.kind === "service").map((r) => [r.key, `https://${r.host}/`])),
      ...(vpnPeers ? { vpnPeers } : {}),
      ...(webGui ? { webGui } : {}),
    },
  };
}
