// Simulator models for the edge of the network: the trust store (certificates
// HAProxy and the web GUI use), WireGuard instances and peers, port forwards
// (firewall/d_nat, 26.1+), traffic shaper pipes and rules, and IDS policies.
// Fields, masks and in-use refusals as opnsense/core's models have them.
//
// Over 300 lines: model tables only, one per OPNsense model, as opnsense/core
// declares them.
import { X509Certificate, createPrivateKey } from "node:crypto";
import { isCidr, isIp, isIPv4, isPortOrRange } from "../../kit/net.ts";
import { ifaceOptions, isNetworkRef, rows, type CollectionDef, type Item } from "./model-kit.ts";
import { uniqid } from "./models-haproxy.ts";

const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean);
const BASE64_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/;

// ---- trust store --------------------------------------------------------------

/** Fills what the box derives from an imported certificate (CertificatesField's parseX509). */
function describeCert(item: Item): void {
  try {
    const x = new X509Certificate(item.crt_payload ?? "");
    item.commonname = /CN=([^\n,]+)/.exec(x.subject)?.[1] ?? "";
    item.valid_from = String(Math.floor(Date.parse(x.validFrom) / 1000));
    item.valid_to = String(Math.floor(Date.parse(x.validTo) / 1000));
  } catch {
    // validate() reports it.
  }
}

export const trustCerts: CollectionDef = {
  name: "trustCerts",
  subsystem: "trust",
  base: "trust/cert",
  node: "cert",
  noun: "",
  label: "trust store certificate",
  fields: {
    refid: { kind: "text" },
    descr: { kind: "text" },
    action: { kind: "text", default: "internal" },
    crt_payload: { kind: "text" },
    prv_payload: { kind: "text" },
    commonname: { kind: "text" },
    valid_from: { kind: "text" },
    valid_to: { kind: "text" },
    in_use: { kind: "text", default: "0" },
  },
  validate(item) {
    const out: Record<string, string> = {};
    if (!item.descr) out["cert.descr"] = "A description is required.";
    // setBaseHook: an import must parse, and its key must match.
    if (item.action === "import" || item.action === "reissue" || item.action === "manual") {
      let cert: X509Certificate | undefined;
      try {
        cert = new X509Certificate(item.crt_payload ?? "");
      } catch {
        out["cert.crt_payload"] = "Invalid X509 certificate provided";
      }
      if (cert && item.prv_payload?.trim()) {
        try {
          if (!cert.checkPrivateKey(createPrivateKey(item.prv_payload)))
            out["cert.prv_payload"] = "Invalid private key provided: private key does not match certificate data";
        } catch {
          out["cert.prv_payload"] = "Invalid private key provided: cannot parse private key data";
        }
      }
    } else if (item.action !== "") {
      out["cert.action"] = `The simulator only imports certificates (action "${item.action}" is not reproduced).`;
    }
    return out;
  },
  complete(item) {
    if (!item.refid) item.refid = uniqid();
    describeCert(item);
  },
  // The box keeps the refid; a re-import (renewal) replaces what it points at.
  renderGet(rendered, item, ctx) {
    rendered.in_use = rows(ctx, "haproxyFrontends").some(([, f]) => list(f.ssl_certificates).includes(item.refid ?? "")) ? "1" : "0";
    rendered.action = item.prv_payload ? "reissue" : "manual";
  },
  inUse(item, _uuid, ctx) {
    const users = rows(ctx, "haproxyFrontends").filter(([, f]) => [...list(f.ssl_certificates), f.ssl_default_certificate].includes(item.refid ?? ""));
    return users.length ? `Certificate ${item.descr} is in use by ${users.map(([, f]) => `HAProxy frontend ${f.name}`).join(", ")}` : null;
  },
  searchFields: ["descr", "commonname"],
};

// ---- WireGuard -------------------------------------------------------------------

function tunnelProblem(value: string, needPrefix: boolean): string | undefined {
  for (const a of list(value)) {
    if (needPrefix ? !isCidr(a) : !(isCidr(a) || isIp(a))) return `${a} is not a valid network (address/prefix).`;
  }
  return undefined;
}

export const wireguardServers: CollectionDef = {
  name: "wireguardServers",
  subsystem: "wireguard",
  base: "wireguard/server",
  node: "server",
  noun: "Server",
  label: "WireGuard instance",
  fields: {
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    instance: { kind: "text" },
    pubkey: { kind: "text" },
    privkey: { kind: "text" },
    port: { kind: "int", min: 1, max: 65535, default: "" },
    mtu: { kind: "int", min: 1, max: 9300, default: "" },
    dns: { kind: "text" },
    tunneladdress: { kind: "text" },
    disableroutes: { kind: "bool", default: "0" },
    gateway: { kind: "text" },
    peers: { kind: "text" },
    endpoint: { kind: "text" },
    peer_dns: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    if (!/^[0-9a-zA-Z._-]{1,64}$/.test(item.name ?? ""))
      out["server.name"] = "Should be a string between 1 and 64 characters. Allowed characters are alphanumeric characters, dash and underscores.";
    if (!BASE64_KEY.test(item.privkey ?? "")) out["server.privkey"] = "A private key is required.";
    if (item.pubkey && !BASE64_KEY.test(item.pubkey)) out["server.pubkey"] = "Invalid base64 value.";
    const t = tunnelProblem(item.tunneladdress ?? "", false);
    if (t) out["server.tunneladdress"] = t;
    if (list(item.peers).some((p) => !ctx.saved.wireguardPeers?.[p])) out["server.peers"] = "Choose a peer.";
    if (item.port && rows(ctx, "wireguardServers").some(([id, s]) => id !== uuid && s.port === item.port))
      out["server.port"] = `Port ${item.port} is already used by another instance.`;
    return out;
  },
  complete(item, ctx) {
    if (item.instance) return;
    // AutoNumberField: the lowest free instance number (the device is wg<instance>).
    const used = new Set(rows(ctx, "wireguardServers").map(([, s]) => s.instance));
    let n = 0;
    while (used.has(String(n))) n++;
    item.instance = String(n);
  },
  searchFields: ["name", "pubkey", "tunneladdress", "port"],
};

export const wireguardPeers: CollectionDef = {
  name: "wireguardPeers",
  subsystem: "wireguard",
  base: "wireguard/client",
  node: "client",
  noun: "Client",
  label: "WireGuard peer",
  fields: {
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    pubkey: { kind: "text" },
    psk: { kind: "text" },
    tunneladdress: { kind: "text" },
    serveraddress: { kind: "text" },
    serverport: { kind: "int", min: 1, max: 65535, default: "" },
    keepalive: { kind: "int", min: 1, max: 65535, default: "" },
    servers: { kind: "text" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    if (!/^[0-9a-zA-Z._-]{1,64}$/.test(item.name ?? ""))
      out["client.name"] = "Should be a string between 1 and 64 characters. Allowed characters are alphanumeric characters, dash and underscores.";
    if (!BASE64_KEY.test(item.pubkey ?? "")) out["client.pubkey"] = "Invalid base64 value.";
    else if (rows(ctx, "wireguardPeers").some(([id, p]) => id !== uuid && p.pubkey === item.pubkey)) out["client.pubkey"] = "Public keys should be unique.";
    if (item.psk && !BASE64_KEY.test(item.psk)) out["client.psk"] = "Invalid base64 value.";
    if (!item.tunneladdress) out["client.tunneladdress"] = "A value is required.";
    else {
      const t = tunnelProblem(item.tunneladdress, true);
      if (t) out["client.tunneladdress"] = t;
    }
    if (list(item.servers).some((s) => !ctx.saved.wireguardServers?.[s])) out["client.servers"] = "Related instance not found.";
    return out;
  },
  // The controller keeps membership on the instances (server.peers); `servers` itself is volatile.
  afterSave(item, uuid, ctx, body) {
    const wanted = "servers" in body ? list(body.servers) : undefined;
    if (wanted === undefined) return;
    for (const [id, server] of rows(ctx, "wireguardServers")) {
      const peers = list(server.peers).filter((p) => p !== uuid);
      if (wanted.includes(id)) peers.push(uuid);
      server.peers = peers.join(",");
    }
    item.servers = "";
  },
  afterDelete(uuid, ctx) {
    for (const [, server] of rows(ctx, "wireguardServers"))
      server.peers = list(server.peers)
        .filter((p) => p !== uuid)
        .join(",");
  },
  renderGet(rendered, _item, ctx, uuid) {
    rendered.servers = rows(ctx, "wireguardServers")
      .filter(([, s]) => uuid !== null && list(s.peers).includes(uuid))
      .map(([id]) => id)
      .join(",");
  },
  searchFields: ["name", "pubkey", "tunneladdress"],
};

// ---- port forwards (26.1+) ------------------------------------------------------------

export const portForwards: CollectionDef = {
  name: "portForwards",
  subsystem: "filter",
  base: "firewall/d_nat",
  node: "rule",
  noun: "Rule",
  label: "port forward",
  fields: {
    sequence: { kind: "int", min: 1, max: 999999, default: "1" },
    disabled: { kind: "bool", default: "0" },
    nordr: { kind: "bool", default: "0" },
    interface: { kind: "option", options: ifaceOptions, multiple: true, default: "" },
    ipprotocol: { kind: "option", options: { "": "any", inet: "IPv4", inet6: "IPv6", inet46: "IPv4+IPv6" }, default: "" },
    protocol: { kind: "option", options: { "": "any", tcp: "TCP", udp: "UDP", "tcp/udp": "TCP/UDP" }, default: "" },
    "source.network": { kind: "text", default: "any" },
    "source.not": { kind: "bool", default: "0" },
    "destination.network": { kind: "text", default: "any" },
    "destination.port": { kind: "text" },
    "destination.not": { kind: "bool", default: "0" },
    target: { kind: "text" },
    "local-port": { kind: "text" },
    pass: { kind: "option", options: { "": "Manual", rule: "Register rule", pass: "Pass" }, default: "" },
    log: { kind: "bool", default: "0" },
    descr: { kind: "text" },
  },
  validate(item, _uuid, ctx) {
    const out: Record<string, string> = {};
    if (list(item.interface).length === 0) out["rule.interface"] = "An interface is required.";
    if (!isIPv4(item.target ?? "") && !isNetworkRef(item.target ?? "", ctx)) out["rule.target"] = "Please specify a valid address or alias.";
    for (const f of ["destination.port", "local-port"] as const) {
      if (item[f] && !isPortOrRange(item[f] ?? "")) out[`rule.${f}`] = "Please specify a valid portnumber, name, alias or range.";
    }
    if (!isNetworkRef(item["destination.network"] ?? "", ctx) && !/^(wan|lan|opt\d+)ip$/.test(item["destination.network"] ?? ""))
      out["rule.destination.network"] = "Please specify a valid network or alias.";
    return out;
  },
  searchFields: ["descr", "target", "destination.port", "interface"],
};

// ---- traffic shaper --------------------------------------------------------------------

export const shaperPipes: CollectionDef = {
  name: "shaperPipes",
  subsystem: "shaper",
  base: "trafficshaper/settings",
  node: "pipe",
  noun: "Pipe",
  searchNoun: "Pipes",
  label: "traffic shaper pipe",
  fields: {
    number: { kind: "text" },
    enabled: { kind: "bool", default: "1" },
    bandwidth: { kind: "int", min: 1, max: 2 ** 31 - 1, required: true },
    bandwidthMetric: { kind: "option", options: { bit: "bit/s", Kbit: "kbit/s", Mbit: "Mbit/s", Gbit: "Gbit/s" }, default: "Kbit", required: true },
    mask: { kind: "option", options: { none: "(none)", "src-ip": "Source", "dst-ip": "Destination" }, default: "none", required: true },
    origin: { kind: "text", default: "TrafficShaper" },
    description: { kind: "text" },
  },
  validate(item): Record<string, string> {
    return item.description ? {} : { "pipe.description": "A description is required." };
  },
  complete(item, ctx) {
    if (item.number) return;
    // newPipeNumber(): the lowest number not in use, from 10000.
    const used = new Set(rows(ctx, "shaperPipes").map(([, p]) => Number(p.number)));
    let n = 10000;
    while (used.has(n)) n++;
    item.number = String(n);
  },
  inUse(_item, uuid, ctx) {
    const users = rows(ctx, "shaperRules").filter(([, r]) => r.target === uuid);
    return users.length ? `Item in use by ${users.length} shaper rule(s)` : null;
  },
  searchFields: ["description", "bandwidth"],
};

export const shaperRules: CollectionDef = {
  name: "shaperRules",
  subsystem: "shaper",
  base: "trafficshaper/settings",
  node: "rule",
  noun: "Rule",
  searchNoun: "Rules",
  label: "traffic shaper rule",
  fields: {
    enabled: { kind: "bool", default: "1" },
    sequence: { kind: "int", min: 1, max: 1000000, default: "1", required: true },
    interface: { kind: "option", options: ifaceOptions, default: "wan", required: true },
    proto: { kind: "option", options: { ip: "ip", tcp: "tcp", udp: "udp" }, default: "ip", required: true },
    source: { kind: "text", default: "any" },
    destination: { kind: "text", default: "any" },
    direction: { kind: "option", options: { "": "Both", in: "In", out: "Out" }, default: "" },
    target: { kind: "text" },
    origin: { kind: "text", default: "TrafficShaper" },
    description: { kind: "text" },
  },
  validate(item, _uuid, ctx) {
    const out: Record<string, string> = {};
    if (!ctx.saved.shaperPipes?.[item.target ?? ""]) out["rule.target"] = "Related pipe or queue not found.";
    for (const f of ["source", "destination"] as const) {
      const v = item[f] ?? "";
      if (v !== "any" && !list(v).every((n) => isCidr(n) || isIp(n))) out[`rule.${f}`] = `${v} is not a valid network.`;
    }
    return out;
  },
  searchFields: ["description", "interface", "source", "destination"],
};

// ---- IDS ------------------------------------------------------------------------------

export const idsPolicies: CollectionDef = {
  name: "idsPolicies",
  subsystem: "ids",
  base: "ids/settings",
  node: "policy",
  noun: "Policy",
  label: "IDS policy",
  fields: {
    enabled: { kind: "bool", default: "1" },
    prio: { kind: "int", min: 0, max: 2 ** 31 - 1, default: "0", required: true },
    action: { kind: "option", options: { disable: "Disabled", alert: "Alert", drop: "Drop" }, multiple: true, default: "" },
    rulesets: { kind: "text" },
    new_action: { kind: "option", options: { default: "Default", alert: "Alert", drop: "Drop", disable: "Disable" }, default: "alert", required: true },
    description: { kind: "text" },
  },
  validate: () => ({}),
  searchFields: ["description"],
};

export const EDGE_COLLECTIONS = [trustCerts, wireguardServers, wireguardPeers, portForwards, shaperPipes, shaperRules, idsPolicies];
