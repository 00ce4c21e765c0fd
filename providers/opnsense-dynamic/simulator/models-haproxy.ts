// The os-haproxy plugin's models in the simulator (haproxy/settings): servers,
// backends, frontends, conditions (acls) and rules (actions), with the fields
// bosun writes, their masks, the relations between them (a missing backend is
// "Related backend item not found") and the plugin's safe delete (an item
// another refers to cannot be deleted). Which action model the box has (plugin
// 4.x or 5.x) comes from the release profile. Rendering is haproxy-config.ts.
import { randomBytes } from "node:crypto";
import { isIp } from "../../kit/net.ts";
import { rows, type CollectionDef, type Item, type ModelContext } from "./model-kit.ts";

const BASE = "haproxy/settings";

/** PHP's uniqid(): 13 hex digits, what the plugin's UniqueIdField stores as `id` (used in file names). */
export function uniqid(): string {
  return randomBytes(7).toString("hex").slice(0, 13);
}

const withId = (item: Item) => {
  if (!item.id) item.id = uniqid();
};

const NAME = /^[0-9a-zA-Z._-]{1,255}$/;
/** Frontend/backend names end up as proxy names in haproxy.cfg. */
const PROXY_NAME = /^[0-9a-zA-Z._-]{1,255}$/;
/** ACL and action names: no tabs, commas, semicolons, dots or brackets. */
const RULE_NAME = /^[^\t,;.[\]{}]{1,255}$/;

const exists = (ctx: ModelContext, collection: string, uuid: string) => uuid !== "" && ctx.saved[collection]?.[uuid] !== undefined;
const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean);

function usedBy(ctx: ModelContext, collection: string, fields: string[], uuid: string, label: string): string[] {
  return rows(ctx, collection)
    .filter(([, item]) => fields.some((f) => list(item[f]).includes(uuid)))
    .map(([, item]) => `${label} ${item.name ?? ""}`.trim());
}

const inUseMessage = (users: string[]) => (users.length ? `Item in use by ${users.join(", ")}` : null);

export const haproxyServers: CollectionDef = {
  name: "haproxyServers",
  subsystem: "haproxy",
  base: BASE,
  node: "server",
  noun: "Server",
  searchNoun: "Servers",
  label: "HAProxy server",
  fields: {
    id: { kind: "text" },
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    description: { kind: "text" },
    address: { kind: "text" },
    port: { kind: "int", min: 1, max: 65535, default: "" },
    type: { kind: "option", options: { static: "static", template: "template", unix: "unix socket" }, default: "static", required: true },
    mode: { kind: "option", options: { active: "active [default]", backup: "backup", disabled: "disabled" }, default: "active" },
    ssl: { kind: "bool", default: "0" },
    sslVerify: { kind: "bool", default: "1" },
    sslSNI: { kind: "text" },
  },
  validate(item) {
    const out: Record<string, string> = {};
    if (!NAME.test(item.name ?? "")) out["server.name"] = "Should be a string between 1 and 255 characters (letters, digits, . _ -).";
    const address = item.address ?? "";
    if (item.type === "static" && !(isIp(address) || /^[0-9a-zA-Z._-]{1,253}$/.test(address)))
      out["server.address"] = "Please specify a valid address (IP address or host name).";
    return out;
  },
  complete: withId,
  inUse: (_item, uuid, ctx) => inUseMessage(usedBy(ctx, "haproxyBackends", ["linkedServers"], uuid, "backend")),
  searchFields: ["name", "address", "port", "description"],
};

export const haproxyBackends: CollectionDef = {
  name: "haproxyBackends",
  subsystem: "haproxy",
  base: BASE,
  node: "backend",
  noun: "Backend",
  searchNoun: "Backends",
  label: "HAProxy backend",
  fields: {
    id: { kind: "text" },
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    description: { kind: "text" },
    mode: { kind: "option", options: { http: "HTTP (Layer 7) [default]", tcp: "TCP (Layer 4)" }, default: "http", required: true },
    algorithm: {
      kind: "option",
      options: {
        source: "Source-IP Hash [default]",
        roundrobin: "Round Robin",
        "static-rr": "Static Round Robin",
        leastconn: "Least Connections",
        uri: "URI Hash",
        random: "Random",
      },
      default: "source",
      required: true,
    },
    linkedServers: { kind: "text" },
    healthCheckEnabled: { kind: "bool", default: "1" },
    forwardFor: { kind: "bool", default: "0" },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    if (!PROXY_NAME.test(item.name ?? "")) out["backend.name"] = "Should be a string between 1 and 255 characters (letters, digits, . _ -).";
    else if (rows(ctx, "haproxyBackends").some(([id, b]) => id !== uuid && b.name === item.name))
      out["backend.name"] = "A backend with this name already exists.";
    if (list(item.linkedServers).some((s) => !exists(ctx, "haproxyServers", s))) out["backend.linkedServers"] = "Related server item not found";
    return out;
  },
  complete: withId,
  inUse: (_item, uuid, ctx) =>
    inUseMessage([...usedBy(ctx, "haproxyFrontends", ["defaultBackend"], uuid, "frontend"), ...usedBy(ctx, "haproxyActions", ["use_backend"], uuid, "rule")]),
  searchFields: ["name", "description"],
};

export const haproxyFrontends: CollectionDef = {
  name: "haproxyFrontends",
  subsystem: "haproxy",
  base: BASE,
  node: "frontend",
  noun: "Frontend",
  searchNoun: "Frontends",
  label: "HAProxy frontend",
  fields: {
    id: { kind: "text" },
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    description: { kind: "text" },
    bind: { kind: "text" },
    mode: {
      kind: "option",
      options: { http: "HTTP / HTTPS (SSL offloading) [default]", ssl: "SSL / HTTPS (TCP mode)", tcp: "TCP" },
      default: "http",
      required: true,
    },
    defaultBackend: { kind: "text" },
    ssl_enabled: { kind: "bool", default: "0" },
    ssl_certificates: { kind: "text" },
    ssl_default_certificate: { kind: "text" },
    ssl_hstsEnabled: { kind: "bool", default: "1" },
    ssl_hstsMaxAge: { kind: "text", default: "15768000" },
    ssl_minVersion: { kind: "text", default: "TLSv1.2" },
    http2Enabled: { kind: "bool", default: "1" },
    advertised_protocols: { kind: "text", default: "h2,http11" },
    linkedActions: { kind: "text" },
    forwardFor: { kind: "bool", default: "0" },
    connectionBehaviour: {
      kind: "option",
      options: { "http-keep-alive": "http-keep-alive [default]", httpclose: "httpclose", "http-server-close": "http-server-close" },
      default: "http-keep-alive",
      required: true,
    },
  },
  validate(item, uuid, ctx) {
    const out: Record<string, string> = {};
    if (!PROXY_NAME.test(item.name ?? "")) out["frontend.name"] = "Should be a string between 1 and 255 characters (letters, digits, . _ -).";
    else if (rows(ctx, "haproxyFrontends").some(([id, f]) => id !== uuid && f.name === item.name))
      out["frontend.name"] = "A frontend with this name already exists.";
    const binds = list(item.bind);
    if (binds.length === 0) out["frontend.bind"] = "A listen address is required.";
    for (const b of binds) {
      const m = /^(.*):(\d{1,5})$/.exec(b);
      if (!m || !(m[1] === "" || m[1] === "*" || isIp((m[1] ?? "").replace(/^\[|\]$/g, ""))) || Number(m[2]) < 1 || Number(m[2]) > 65535)
        out["frontend.bind"] = `"${b}" is not a valid listen address (address:port, e.g. 0.0.0.0:443).`;
    }
    const taken = new Map(
      rows(ctx, "haproxyFrontends")
        .filter(([id]) => id !== uuid)
        .flatMap(([, f]) => list(f.bind).map((b) => [b, f.name ?? ""] as const)),
    );
    for (const b of binds) if (taken.has(b)) out["frontend.bind"] = `${b} is already used by frontend ${taken.get(b)}.`;
    if (item.defaultBackend && !exists(ctx, "haproxyBackends", item.defaultBackend)) out["frontend.defaultBackend"] = "Related backend item not found";
    if (list(item.linkedActions).some((a) => !exists(ctx, "haproxyActions", a))) out["frontend.linkedActions"] = "Related rule item not found";
    const refids = new Set(rows(ctx, "trustCerts").map(([, c]) => c.refid));
    for (const field of ["ssl_certificates", "ssl_default_certificate"]) {
      if (list(item[field]).some((r) => !refids.has(r))) out[`frontend.${field}`] = "Certificate not found in the trust store.";
    }
    if (item.ssl_enabled === "1" && list(item.ssl_certificates).length === 0 && !item.ssl_default_certificate)
      out["frontend.ssl_certificates"] = "SSL offloading needs at least one certificate.";
    return out;
  },
  complete: withId,
  searchFields: ["name", "description", "bind"],
};

export const haproxyAcls: CollectionDef = {
  name: "haproxyAcls",
  subsystem: "haproxy",
  base: BASE,
  node: "acl",
  noun: "Acl",
  searchNoun: "Acls",
  label: "HAProxy condition",
  fields: {
    id: { kind: "text" },
    name: { kind: "text" },
    description: { kind: "text" },
    expression: {
      kind: "option",
      options: {
        hdr: "hdr - HTTP Host Header matches",
        hdr_beg: "hdr_beg - HTTP Host Header starts with",
        hdr_end: "hdr_end - HTTP Host Header ends with",
        path_beg: "path_beg - Path starts with",
        ssl_fc: "ssl_fc - Traffic is SSL (locally deciphered)",
      },
      required: true,
    },
    negate: { kind: "bool", default: "0" },
    caseSensitive: { kind: "bool", default: "0" },
    hdr: { kind: "text" },
    hdr_beg: { kind: "text" },
    hdr_end: { kind: "text" },
    path_beg: { kind: "text" },
  },
  validate(item) {
    const out: Record<string, string> = {};
    if (!RULE_NAME.test(item.name ?? "")) out["acl.name"] = "Should be a string between 1 and 255 characters.";
    return out;
  },
  complete: withId,
  inUse: (_item, uuid, ctx) => inUseMessage(usedBy(ctx, "haproxyActions", ["linkedAcls"], uuid, "rule")),
  searchFields: ["name", "description"],
};

/** Plugin 4.x action types bosun meets, and 5.x's; the profile decides which the box offers. */
const ACTION_TYPES_4 = { use_backend: "Use specified Backend Pool", "http-request_redirect": "http-request redirect", custom: "Custom rule" };
const ACTION_TYPES_5 = { use_backend: "Use specified Backend Pool", "http-request": "http-request", custom: "Custom rule (option pass-through)" };

export const haproxyActions: CollectionDef = {
  name: "haproxyActions",
  subsystem: "haproxy",
  base: BASE,
  node: "action",
  noun: "Action",
  searchNoun: "Actions",
  label: "HAProxy rule",
  fields: {
    enabled: { kind: "bool", default: "1" },
    name: { kind: "text" },
    description: { kind: "text" },
    testType: { kind: "option", options: { if: "IF [default]", unless: "UNLESS" }, default: "if", required: true },
    linkedAcls: { kind: "text" },
    operator: { kind: "option", options: { and: "AND [default]", or: "OR" }, default: "and" },
    type: { kind: "option", options: (ctx) => (ctx.profile.haproxyPlugin === "4" ? ACTION_TYPES_4 : ACTION_TYPES_5), required: true },
    use_backend: { kind: "text" },
    http_request_redirect: { kind: "text" },
    http_request_action: { kind: "text" },
    http_request_option: { kind: "text" },
    custom: { kind: "text" },
  },
  validate(item, _uuid, ctx) {
    const out: Record<string, string> = {};
    if (!RULE_NAME.test(item.name ?? "")) out["action.name"] = "Should be a string between 1 and 255 characters.";
    if (list(item.linkedAcls).some((a) => !exists(ctx, "haproxyAcls", a))) out["action.linkedAcls"] = "Related ACL item not found";
    if (item.use_backend && !exists(ctx, "haproxyBackends", item.use_backend)) out["action.use_backend"] = "Related backend item not found";
    if (item.type === "http-request" && !["redirect", "deny", "allow", ""].includes(item.http_request_action ?? ""))
      out["action.http_request_action"] = "Option not in list.";
    return out;
  },
  inUse: (_item, uuid, ctx) => inUseMessage(usedBy(ctx, "haproxyFrontends", ["linkedActions"], uuid, "frontend")),
  searchFields: ["name", "description"],
};

export const HAPROXY_COLLECTIONS = [haproxyServers, haproxyBackends, haproxyFrontends, haproxyAcls, haproxyActions];
