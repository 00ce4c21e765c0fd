// What differs between two config.xml files, by the sections a person knows
// (VLANs, firewall rules, DHCP, Unbound host overrides, …), as a restore plan
// shows it. Items are matched by their uuid (every MVC list item has one),
// else by position. Only section names and item descriptions come out, never
// values: config.xml holds password hashes, private keys and API secrets.
import { parseConfigXml, type XmlNode } from "./config-xml.ts";
import type { Subsystem } from "./types.ts";

/** Sections by their path under <opnsense>; the longest matching path wins. */
export const CONFIG_SECTIONS: readonly { path: string; label: string }[] = [
  { path: "interfaces", label: "interfaces (assignments and addresses)" },
  { path: "vlans", label: "VLANs" },
  { path: "OPNsense/Firewall/Alias", label: "firewall aliases" },
  { path: "OPNsense/Firewall/Filter", label: "firewall rules" },
  { path: "filter", label: "firewall rules (legacy)" },
  { path: "nat", label: "port forwards (NAT)" },
  { path: "OPNsense/Kea/dhcp4", label: "DHCP (Kea)" },
  { path: "dnsmasq", label: "DHCP and DNS (Dnsmasq)" },
  { path: "dhcpd", label: "DHCP (ISC)" },
  { path: "OPNsense/unboundplus/hosts", label: "Unbound host overrides" },
  { path: "OPNsense/unboundplus", label: "Unbound DNS" },
  { path: "OPNsense/HAProxy", label: "HAProxy reverse proxy" },
  { path: "cert", label: "certificates" },
  { path: "ca", label: "certificate authorities" },
  { path: "OPNsense/wireguard", label: "WireGuard VPN" },
  { path: "OPNsense/TrafficShaper", label: "traffic shaper" },
  { path: "OPNsense/IDS", label: "intrusion detection (IDS)" },
  { path: "system", label: "system settings" },
];

/** Rewritten on every save; never a difference worth showing. */
const IGNORED = new Set(["revision"]);

export interface SectionChange {
  /** What a person calls it, e.g. "firewall rules". */
  section: string;
  /** Its place in config.xml, e.g. "OPNsense/Firewall/Filter". */
  path: string;
  /** Items the restore brings back (in the backup, not in the current config), by description. */
  restored: string[];
  /** Items the restore removes (in the current config, not in the backup). */
  removed: string[];
  /** Items in both whose values differ. */
  changed: string[];
  /** Whether settings outside list items differ. */
  settings: boolean;
}

interface Leaf {
  /** Element names from below the root, e.g. ["OPNsense", "Firewall", "Filter", "rules", "rule", "description"]. */
  names: string[];
  /** The list item it belongs to (`<path>#<uuid or position>`), if any. */
  item?: string;
  value: string;
}

interface Item {
  section: string;
  label: string;
  leaves: Map<string, string>;
}

interface Flat {
  /** Section path → leaf key → value, for leaves outside items. */
  settings: Map<string, Map<string, string>>;
  /** Item key → item. */
  items: Map<string, Item>;
}

function sectionOf(names: readonly string[]): string {
  const path = names.join("/");
  let best = "";
  for (const s of CONFIG_SECTIONS) if ((path === s.path || path.startsWith(`${s.path}/`)) && s.path.length > best.length) best = s.path;
  if (best) return best;
  // Not named above: the top element, or the module under <OPNsense>.
  return names[0] === "OPNsense" && names[1] ? `OPNsense/${names[1]}` : (names[0] ?? "");
}

/** Paths whose elements are list items: they carry a uuid (MVC) or repeat (legacy <rule>, <cert>). */
function listPaths(node: XmlNode, names: string[], out: Set<string>): Set<string> {
  const count = new Map<string, number>();
  for (const child of node.children) count.set(child.name, (count.get(child.name) ?? 0) + 1);
  for (const child of node.children) {
    const path = [...names, child.name];
    if (child.attrs["uuid"] || (count.get(child.name) ?? 0) > 1) out.add(path.join("/"));
    listPaths(child, path, out);
  }
  return out;
}

function leaves(node: XmlNode, names: string[], item: string | undefined, lists: ReadonlySet<string>, out: Leaf[]): void {
  const position = new Map<string, number>();
  for (const child of node.children) {
    const n = position.get(child.name) ?? 0;
    position.set(child.name, n + 1);
    const path = [...names, child.name];
    const joined = path.join("/");
    const here = item ?? (lists.has(joined) ? `${joined}#${child.attrs["uuid"] || n}` : undefined);
    for (const [k, v] of Object.entries(child.attrs)) if (k !== "uuid") out.push({ names: [...path, `@${k}`], ...(here ? { item: here } : {}), value: v });
    // An empty element is the same as none (an empty list is written as <rules/>), except as an item.
    if (child.children.length === 0 && (child.text !== "" || (here && here !== item)))
      out.push({ names: path, ...(here ? { item: here } : {}), value: child.text });
    else leaves(child, path, here, lists, out);
  }
}

const MARK = /\s*\[bosun:[^\]]*\]\s*$/;

function labelOf(key: string, leafs: Map<string, string>): string {
  const field = (name: string) =>
    [...leafs]
      .find(([k, v]) => k.endsWith(`/${name}`) && v.trim())?.[1]
      .replace(MARK, "")
      .trim();
  // A host is best known by its name; anything else by its description.
  const host = field("hostname");
  if (host) return [host, field("domain")].filter(Boolean).join(".");
  const named = field("description") ?? field("descr") ?? field("name");
  if (named) return named;
  const kind = key.split("#")[0]?.split("/").pop() ?? "item";
  return `${kind} ${key.split("#")[1] ?? ""}`.trim();
}

function flatten(root: XmlNode, lists: ReadonlySet<string>): Flat {
  const out: Leaf[] = [];
  leaves(root, [], undefined, lists, out);
  const flat: Flat = { settings: new Map(), items: new Map() };
  for (const leaf of out) {
    if (IGNORED.has(leaf.names[0] ?? "")) continue;
    const section = sectionOf(leaf.names);
    const key = leaf.names.join("/");
    if (leaf.item) {
      const item = flat.items.get(leaf.item) ?? { section, label: "", leaves: new Map() };
      item.leaves.set(key, leaf.value);
      flat.items.set(leaf.item, item);
    } else {
      const settings = flat.settings.get(section) ?? new Map<string, string>();
      settings.set(key, leaf.value);
      flat.settings.set(section, settings);
    }
  }
  for (const [key, item] of flat.items) item.label = labelOf(key, item.leaves);
  return flat;
}

const sameMap = (a: Map<string, string> | undefined, b: Map<string, string> | undefined) =>
  (a?.size ?? 0) === (b?.size ?? 0) && [...(a ?? [])].every(([k, v]) => b?.get(k) === v);

/**
 * The sections that differ between the current config and a backup, as restoring the backup
 * would change them. Sections in CONFIG_SECTIONS order, then the others by path.
 */
export function diffConfigSections(currentXml: string, backupXml: string): SectionChange[] {
  const current = parseConfigXml(currentXml);
  const backup = parseConfigXml(backupXml);
  // Both documents decide what is a list, so a list of one in either still matches the other's.
  const lists = listPaths(backup, [], listPaths(current, [], new Set()));
  const now = flatten(current, lists);
  const then = flatten(backup, lists);
  const bySection = new Map<string, SectionChange>();
  const entry = (path: string) => {
    let c = bySection.get(path);
    if (!c) {
      c = { section: CONFIG_SECTIONS.find((s) => s.path === path)?.label ?? path, path, restored: [], removed: [], changed: [], settings: false };
      bySection.set(path, c);
    }
    return c;
  };
  for (const [key, item] of then.items) {
    const current = now.items.get(key);
    if (!current) entry(item.section).restored.push(item.label);
    else if (!sameMap(current.leaves, item.leaves)) entry(item.section).changed.push(item.label);
  }
  for (const [key, item] of now.items) if (!then.items.has(key)) entry(item.section).removed.push(item.label);
  for (const path of new Set([...now.settings.keys(), ...then.settings.keys()])) {
    if (!sameMap(now.settings.get(path), then.settings.get(path))) entry(path).settings = true;
  }
  const order = (p: string) => {
    const at = CONFIG_SECTIONS.findIndex((s) => s.path === p);
    return at < 0 ? CONFIG_SECTIONS.length : at;
  };
  return [...bySection.values()].sort((a, b) => order(a.path) - order(b.path) || a.path.localeCompare(b.path));
}

/** One line per section, e.g. "firewall rules: removes 1 (gaming: internet), brings back 2 (…)". */
export function sectionLines(changes: readonly SectionChange[]): string[] {
  const list = (xs: string[]) => `${xs.length} (${xs.slice(0, 5).join(", ")}${xs.length > 5 ? ", …" : ""})`;
  return changes.map((c) => {
    const parts = [
      c.removed.length ? `removes ${list(c.removed)}` : "",
      c.restored.length ? `brings back ${list(c.restored)}` : "",
      c.changed.length ? `changes ${list(c.changed)}` : "",
      c.settings ? "settings differ" : "",
    ].filter(Boolean);
    return `${c.section}: ${parts.join("; ")}`;
  });
}

/** Which service makes each section live again after a revert (the client's reconfigure calls). */
const SECTION_SERVICE: Record<string, Subsystem | "assignment"> = {
  interfaces: "assignment",
  vlans: "vlan",
  "OPNsense/Firewall/Alias": "alias",
  "OPNsense/Firewall/Filter": "filter",
  filter: "filter",
  nat: "filter",
  "OPNsense/Kea/dhcp4": "kea",
  dnsmasq: "dnsmasq",
  "OPNsense/unboundplus": "unbound",
  "OPNsense/unboundplus/hosts": "unbound",
  // HAProxy exports the trust store's certificates at its reconfigure.
  "OPNsense/HAProxy": "haproxy",
  cert: "haproxy",
  "OPNsense/wireguard": "wireguard",
  "OPNsense/TrafficShaper": "shaper",
  "OPNsense/IDS": "ids",
};

/**
 * The services to reconfigure after restoring a backup with these changes, and, in words, the
 * sections no API call makes live. `assignmentApi`: the release can apply interface assignments (26.7+).
 */
export function servicesFor(changes: readonly SectionChange[], assignmentApi: boolean): { services: (Subsystem | "assignment")[]; manual: string[] } {
  const services = new Set<Subsystem | "assignment">();
  const manual: string[] = [];
  for (const c of changes) {
    const service = SECTION_SERVICE[c.path];
    if (service === "assignment" && !assignmentApi)
      manual.push(`${c.section}: saved, but this release applies interface settings only from its web UI (Interfaces → each one → Apply) or at a reboot`);
    else if (service) services.add(service);
    else manual.push(`${c.section}: saved, but bosun has no call that reloads it; apply it on the box (or reboot) if it matters now`);
  }
  return { services: [...services], manual };
}
