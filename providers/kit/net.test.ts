import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  canonicalIpv6,
  cidrsOverlap,
  defaultDhcpRange,
  formatIpv4,
  isHostAddress,
  isIPv6,
  isPrivateAddress,
  parseCidr,
  parseIpv4,
  staticPoolStart,
} from "./net.ts";

const cidr = (s: string) => {
  const c = parseCidr(s);
  if (c === undefined) throw new Error(s);
  return c;
};

describe("ip", () => {
  it("parses and formats addresses", () => {
    expect(parseIpv4("10.20.0.1")).toBe(0x0a140001);
    expect(parseIpv4("256.1.1.1")).toBeUndefined();
    expect(parseIpv4("10.20.0")).toBeUndefined();
    expect(parseIpv4("010.1.1.1")).toBeUndefined();
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => parseIpv4(formatIpv4(n)) === n));
  });

  it("rejects malformed CIDRs", () => {
    for (const bad of ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/24/1", "x/24", "10.0.0.0/"]) expect(parseCidr(bad)).toBeUndefined();
  });

  it("gives .100-.199 for a /24 and proportional ranges otherwise", () => {
    const r24 = defaultDhcpRange(cidr("10.20.0.0/24"));
    expect([formatIpv4(r24.start), formatIpv4(r24.end)]).toEqual(["10.20.0.100", "10.20.0.199"]);
    const r16 = defaultDhcpRange(cidr("10.20.0.0/16"));
    expect([formatIpv4(r16.start), formatIpv4(r16.end)]).toEqual(["10.20.100.0", "10.20.199.255"]);
    const r28 = defaultDhcpRange(cidr("10.20.0.16/28"));
    expect([formatIpv4(r28.start), formatIpv4(r28.end)]).toEqual(["10.20.0.23", "10.20.0.27"]);
    expect(formatIpv4(staticPoolStart(cidr("10.20.0.0/24")))).toBe("10.20.0.10");
  });

  it("keeps every default DHCP range inside the usable hosts", () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 30 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), (prefix, n) => {
        const size = 2 ** (32 - prefix);
        const c = { base: Math.floor(n / size) * size, prefix };
        const r = defaultDhcpRange(c);
        return r.start <= r.end && isHostAddress(c, r.start) && isHostAddress(c, r.end) && r.start > c.base + 1;
      }),
    );
  });

  it("detects overlaps", () => {
    expect(cidrsOverlap(cidr("10.20.0.0/24"), cidr("10.20.0.0/16"))).toBe(true);
    expect(cidrsOverlap(cidr("10.20.0.0/24"), cidr("10.21.0.0/24"))).toBe(false);
  });

  it("checks IPv6 loosely", () => {
    expect(isIPv6("fd00::1")).toBe(true);
    expect(isIPv6("2001:db8:0:0:0:0:0:1")).toBe(true);
    expect(isIPv6("fd00::1::2")).toBe(false);
    expect(isIPv6("10.0.0.1")).toBe(false);
  });

  it("writes IPv6 in canonical form", () => {
    expect(canonicalIpv6("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(canonicalIpv6("fd00::0:1")).toBe("fd00::1");
    expect(canonicalIpv6("10.0.0.1")).toBeUndefined();
  });

  it("tells addresses the internet cannot reach", () => {
    for (const p of ["10.1.2.3", "172.31.0.1", "192.168.1.1", "100.64.0.1", "127.0.0.1", "169.254.1.1", "fd00::1", "fe80::1", "::1", "::ffff:192.168.1.1"]) {
      expect(isPrivateAddress(p), p).toBe(true);
    }
    for (const p of ["203.0.113.7", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2001:db8::1", "2606:4700::1111"]) expect(isPrivateAddress(p), p).toBe(false);
  });
});
