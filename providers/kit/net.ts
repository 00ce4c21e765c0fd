// bosun's one address library: the spec's rules and mappings, the providers'
// check() and the simulators all use it, so "valid CIDR" or "inside the
// subnet" means the same everywhere. IPv4 addresses are unsigned 32-bit
// numbers; parse* functions return undefined on bad input instead of throwing,
// so validators can report precisely.
import { isIPv4, isIPv6 } from "node:net";

export { isIPv4, isIPv6 };

/** A parsed IPv4 network: `10.20.0.0/24` → base 0x0a140000, prefix 24. */
export interface Cidr {
  base: number;
  prefix: number;
}

const octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const ipv4Pattern = new RegExp(`^${octet}\\.${octet}\\.${octet}\\.${octet}$`);

/** `"10.20.0.1"` → number, or undefined when it is not a dotted quad. */
export function parseIpv4(text: string): number | undefined {
  if (!ipv4Pattern.test(text)) return undefined;
  return text.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Like parseIpv4, for text already known to be an address (0 otherwise). */
export function ipv4ToInt(address: string): number {
  return parseIpv4(address) ?? 0;
}

export function isIp(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

/** `"10.20.0.0/24"` → Cidr (host bits may be set; see hasHostBits). IPv4 only. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, extra] = text.split("/");
  if (address === undefined || prefixText === undefined || extra !== undefined) return undefined;
  if (!/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const base = parseIpv4(address);
  if (base === undefined || prefix > 32) return undefined;
  return { base, prefix };
}

/** "10.20.0.0/24" or "fd00::/64" as text parts; the address may have host bits set, as OPNsense accepts. */
export function parseNetwork(value: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const address = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (isIPv4(address) && prefix <= 32) return { address, prefix, family: 4 };
  if (isIPv6(address) && prefix <= 128) return { address, prefix, family: 6 };
  return undefined;
}

/** An IPv4 or IPv6 network in CIDR form. */
export function isCidr(value: string): boolean {
  return parseNetwork(value) !== undefined;
}

export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The network address (host bits cleared). */
export function networkAddress(cidr: Cidr): number {
  const size = cidrSize(cidr);
  return Math.floor(cidr.base / size) * size;
}

export function broadcastAddress(cidr: Cidr): number {
  return networkAddress(cidr) + cidrSize(cidr) - 1;
}

export function hasHostBits(cidr: Cidr): boolean {
  return networkAddress(cidr) !== cidr.base;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(networkAddress(cidr))}/${cidr.prefix}`;
}

export function cidrContains(cidr: Cidr, address: number): boolean {
  return address >= networkAddress(cidr) && address <= broadcastAddress(cidr);
}

/** `ipv4InCidr("10.20.0.5", "10.20.0.0/24")`, on text. False for anything that does not parse. */
export function ipv4InCidr(address: string, cidr: string): boolean {
  const a = parseIpv4(address);
  const c = parseCidr(cidr);
  return a !== undefined && c !== undefined && cidrContains(c, a);
}

/** First and last address (as numbers) of an IPv4 CIDR given as text. */
export function ipv4Range(cidr: string): { first: number; last: number } | undefined {
  const c = parseCidr(cidr);
  return c ? { first: networkAddress(c), last: broadcastAddress(c) } : undefined;
}

/** True when the address is usable by a host: inside, not network, not broadcast. */
export function isHostAddress(cidr: Cidr, address: number): boolean {
  return cidrContains(cidr, address) && address !== networkAddress(cidr) && address !== broadcastAddress(cidr);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return networkAddress(a) <= broadcastAddress(b) && networkAddress(b) <= broadcastAddress(a);
}

export function firstHost(cidr: Cidr): number {
  return networkAddress(cidr) + 1;
}

export function prefixToMask(prefix: number): string {
  return formatIpv4(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

/**
 * Default DHCP pool: the same share of the subnet that .100–.199 is of a /24
 * (offsets size·100/256 to size·200/256 − 1), so a /24 gets the familiar range,
 * a /16 gets x.y.100.0–x.y.199.255 and a /28 gets .7–.11.
 */
export function defaultDhcpRange(cidr: Cidr): { start: number; end: number } {
  const size = cidrSize(cidr);
  const base = networkAddress(cidr);
  const start = Math.max(2, Math.ceil((size * 100) / 256));
  const end = Math.max(start, Math.floor((size * 200) / 256) - 1);
  return { start: base + start, end: Math.min(base + end, broadcastAddress(cidr) - 1) };
}

/** First address services get when they have no static one: .10 in a /24 (proportionally smaller subnets start lower). */
export function staticPoolStart(cidr: Cidr): number {
  return networkAddress(cidr) + Math.max(2, Math.min(10, Math.ceil((cidrSize(cidr) * 10) / 256)));
}

export function isMac(value: string): boolean {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value);
}

/** A port "443" or a range "27015-27030" ("27015:27030" too, as OPNsense takes). */
export function isPortOrRange(value: string): boolean {
  return parsePortRange(value) !== undefined;
}

/** "443" → 443-443, "27015-27030" (or "27015:27030") → 27015-27030; undefined when it is neither. */
export function parsePortRange(value: string): { from: number; to: number } | undefined {
  const m = /^(\d{1,5})(?:[-:](\d{1,5}))?$/.exec(value);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return from >= 1 && from <= 65535 && to >= 1 && to <= 65535 && from <= to ? { from, to } : undefined;
}

/** A host label, or "*". */
export function isHostname(value: string): boolean {
  return /^(\*|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)$/.test(value);
}

export function isDomain(value: string): boolean {
  return /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value) && value.length <= 253;
}

/** An IPv6 address in its canonical text form (lower case, zeros compressed), or undefined when it is not one. */
export function canonicalIpv6(text: string): string | undefined {
  if (!isIPv6(text)) return undefined;
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

const PRIVATE_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * True for addresses the internet cannot reach: RFC 1918, carrier-grade NAT
 * (100.64/10), loopback, link-local, unspecified; IPv6 ULA (fc00::/7),
 * link-local (fe80::/10), ::1 and ::. Public DNS pointing there is a mistake.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIPv4(address)) return PRIVATE_V4.some((c) => ipv4InCidr(address, c));
  const v6 = canonicalIpv6(address);
  if (v6 === undefined) return false;
  if (v6 === "::1" || v6 === "::") return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6); // IPv4-mapped, canonical form ::ffff:c0a8:101
  if (mapped) return isPrivateAddress(formatIpv4(Number.parseInt(mapped[1] as string, 16) * 65536 + Number.parseInt(mapped[2] as string, 16)));
  const first = Number.parseInt(v6.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}
