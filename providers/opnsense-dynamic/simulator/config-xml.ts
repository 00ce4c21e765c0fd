// The simulator's config.xml, laid out as the box lays it out: each model at
// its mount point (opnsense/core's models, e.g. Firewall/Filter.xml mounts at
// //OPNsense/Firewall/Filter, Vlan.xml at /vlans), list items as elements with
// a uuid attribute. The simulator restores backups from its own JSON; this is
// what core/backup/download serves, so bosun's config.xml reading is exercised
// on the real shape.
import type { ConfigState } from "./store.ts";
import type { Item } from "./model-kit.ts";

/** Collection → container path under <opnsense> and the item element's name. */
export const XML_PLACES: Record<string, { path: string[]; item: string }> = {
  vlans: { path: ["vlans"], item: "vlan" },
  aliases: { path: ["OPNsense", "Firewall", "Alias", "aliases"], item: "alias" },
  rules: { path: ["OPNsense", "Firewall", "Filter", "rules"], item: "rule" },
  keaSubnets: { path: ["OPNsense", "Kea", "dhcp4", "subnets"], item: "subnet4" },
  keaReservations: { path: ["OPNsense", "Kea", "dhcp4", "reservations"], item: "reservation" },
  dnsmasqRanges: { path: ["dnsmasq"], item: "dhcp_ranges" },
  dnsmasqHosts: { path: ["dnsmasq"], item: "hosts" },
  hostOverrides: { path: ["OPNsense", "unboundplus", "hosts"], item: "host" },
  haproxyServers: { path: ["OPNsense", "HAProxy", "servers"], item: "server" },
  haproxyBackends: { path: ["OPNsense", "HAProxy", "backends"], item: "backend" },
  haproxyFrontends: { path: ["OPNsense", "HAProxy", "frontends"], item: "frontend" },
  haproxyAcls: { path: ["OPNsense", "HAProxy", "acls"], item: "acl" },
  haproxyActions: { path: ["OPNsense", "HAProxy", "actions"], item: "action" },
  trustCerts: { path: [], item: "cert" },
  wireguardServers: { path: ["OPNsense", "wireguard", "server", "servers"], item: "server" },
  wireguardPeers: { path: ["OPNsense", "wireguard", "client", "clients"], item: "client" },
  portForwards: { path: ["nat"], item: "rule" },
  shaperPipes: { path: ["OPNsense", "TrafficShaper", "pipes"], item: "pipe" },
  shaperRules: { path: ["OPNsense", "TrafficShaper", "rules"], item: "rule" },
  idsPolicies: { path: ["OPNsense", "IDS", "policies"], item: "policy" },
};

interface El {
  attrs: Record<string, string>;
  children: [string, El | string][];
}

const el = (): El => ({ attrs: {}, children: [] });

function child(parent: El, name: string): El {
  const found = parent.children.find(([n, c]) => n === name && typeof c !== "string");
  if (found) return found[1] as El;
  const made = el();
  parent.children.push([name, made]);
  return made;
}

function at(root: El, path: readonly string[]): El {
  return path.reduce(child, root);
}

/** Fields named "a.b" are nested elements, as the model's containers are. */
function setFields(target: El, fields: Record<string, string>): void {
  for (const [field, value] of Object.entries(fields)) {
    const parts = field.split(".");
    at(target, parts.slice(0, -1)).children.push([parts[parts.length - 1] as string, value]);
  }
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function write(name: string, node: El | string, indent: string): string {
  if (typeof node === "string") return `${indent}<${name}>${escape(node)}</${name}>\n`;
  const attrs = Object.entries(node.attrs)
    .map(([k, v]) => ` ${k}="${escape(v)}"`)
    .join("");
  if (node.children.length === 0) return `${indent}<${name}${attrs}/>\n`;
  return `${indent}<${name}${attrs}>\n${node.children.map(([n, c]) => write(n, c, `${indent}  `)).join("")}${indent}</${name}>\n`;
}

export function renderConfigXml(config: ConfigState, meta: { version: string; time: string; description: string; username: string }): string {
  const root = el();
  setFields(at(root, ["revision"]), { username: meta.username, time: meta.time, description: meta.description });
  root.children.push(["version", meta.version]);
  const interfaces = at(root, ["interfaces"]);
  for (const [key, i] of Object.entries(config.interfaces)) {
    const [ip = "", prefix = ""] = i.addr4.split("/");
    setFields(child(interfaces, key), { if: i.device, descr: i.description, enable: i.enabled, ipaddr: ip, subnet: prefix });
  }
  setFields(at(root, ["OPNsense", "Kea", "dhcp4", "general"]), config.keaGeneral);
  setFields(at(root, ["dnsmasq"]), config.dnsmasqGeneral);
  setFields(at(root, ["OPNsense", "HAProxy", "general"]), config.haproxyGeneral);
  setFields(at(root, ["OPNsense", "wireguard", "general"]), config.wireguardGeneral);
  setFields(at(root, ["OPNsense", "IDS", "general"]), config.idsGeneral);
  for (const [name, table] of Object.entries(config.saved)) {
    const place = XML_PLACES[name];
    if (!place) throw new Error(`simulator: collection ${name} has no place in config.xml (simulator/config-xml.ts XML_PLACES)`);
    const container = at(root, place.path);
    for (const [uuid, item] of Object.entries(table) as [string, Item][]) {
      const node = el();
      node.attrs["uuid"] = uuid;
      setFields(node, Object.fromEntries(Object.entries(item).map(([k, v]) => [k, String(v ?? "")])));
      container.children.push([place.item, node]);
    }
  }
  return `<?xml version="1.0"?>\n${write("opnsense", root, "")}`;
}
