// Address helpers shared by the simulator's validation and the providers'
// check(): one definition of "valid CIDR", "port range", ... so the two agree.
import { isIPv4, isIPv6 } from "node:net";

export { isIPv4, isIPv6 };

export function isIp(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

/** "10.20.0.0/24" or "fd00::/64"; the address part may have host bits set, like OPNsense accepts. */
export function parseCidr(value: string): { address: string; prefix: number; family: 4 | 6 } | null {
  const slash = value.indexOf("/");
  if (slash < 0) return null;
  const address = value.slice(0, slash);
  const prefixText = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = Number(prefixText);
  if (isIPv4(address) && prefix <= 32) return { address, prefix, family: 4 };
  if (isIPv6(address) && prefix <= 128) return { address, prefix, family: 6 };
  return null;
}

export function isCidr(value: string): boolean {
  return parseCidr(value) !== null;
}

export function ipv4ToInt(address: string): number {
  const parts = address.split(".").map(Number);
  return (((parts[0] ?? 0) << 24) >>> 0) + ((parts[1] ?? 0) << 16) + ((parts[2] ?? 0) << 8) + (parts[3] ?? 0);
}

export function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** First and last address (as integers) of an IPv4 CIDR, or null. */
export function ipv4Range(cidr: string): { first: number; last: number } | null {
  const parsed = parseCidr(cidr);
  if (!parsed || parsed.family !== 4) return null;
  const size = 2 ** (32 - parsed.prefix);
  const first = Math.floor(ipv4ToInt(parsed.address) / size) * size;
  return { first, last: first + size - 1 };
}

export function ipv4InCidr(address: string, cidr: string): boolean {
  if (!isIPv4(address)) return false;
  const range = ipv4Range(cidr);
  if (!range) return false;
  const n = ipv4ToInt(address);
  return n >= range.first && n <= range.last;
}

export function prefixToMask(prefix: number): string {
  return intToIpv4(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

export function isMac(value: string): boolean {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(value);
}

/** A port "443" or a range "27015-27030" (OPNsense also takes "27015:27030"). */
export function isPortOrRange(value: string): boolean {
  const m = /^(\d{1,5})(?:[-:](\d{1,5}))?$/.exec(value);
  if (!m) return false;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return from >= 1 && from <= 65535 && to >= 1 && to <= 65535 && from <= to;
}

/** Firewall alias names: letters, digits and underscore, at most 32 chars, not starting with a digit. */
export function isAliasName(value: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]{0,31}$/.test(value);
}

export function isHostname(value: string): boolean {
  return /^(\*|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)$/.test(value);
}

export function isDomain(value: string): boolean {
  return /^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(value) && value.length <= 253;
}
