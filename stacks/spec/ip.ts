// IPv4 arithmetic for the spec rules and mappings. Addresses are unsigned
// 32-bit numbers; everything here is pure and total (parse* returns undefined
// on bad input instead of throwing) so the zod rules can report precisely.

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

/** `"10.20.0.0/24"` → Cidr (host bits may be set; see hasHostBits). */
export function parseCidr(text: string): Cidr | undefined {
  const [address, prefixText, extra] = text.split("/");
  if (address === undefined || prefixText === undefined || extra !== undefined) return undefined;
  if (!/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const base = parseIpv4(address);
  if (base === undefined || prefix > 32) return undefined;
  return { base, prefix };
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

/** Rough IPv6 check for AAAA records: hex groups with at most one `::`. */
export function isIpv6(text: string): boolean {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.split("::").length > 2) return false;
  const groups = text.split(":").filter((g) => g !== "");
  return groups.every((g) => g.length <= 4) && (text.includes("::") ? groups.length < 8 : groups.length === 8);
}
