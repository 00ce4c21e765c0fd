// Release parsing and the capability table, checked against the simulator's
// own per-release profiles (written separately, from opnsense/core's source).
import { describe, expect, test } from "vitest";
import { UnsupportedReleaseError, capabilities, compareVersions, parseRelease, requireSupported } from "./release.ts";
import { SERIES_VERSIONS, profileFor } from "../simulator/profiles.ts";

describe("parseRelease", () => {
  test("reads system_information, firmware and bare versions", () => {
    expect(parseRelease("OPNsense 26.1.2_1-amd64")).toEqual({ version: "26.1.2", series: "26.1", major: 26, minor: 1, patch: 2 });
    expect(parseRelease("OPNsense 24.7-amd64")?.version).toBe("24.7.0");
    expect(parseRelease("25.1.6")?.series).toBe("25.1");
    expect(parseRelease("FreeBSD 14.3-RELEASE")).toBeUndefined();
    expect(parseRelease("")).toBeUndefined();
  });

  test("compares patch releases numerically", () => {
    expect(compareVersions("25.1.10", "25.1.6")).toBeGreaterThan(0);
    expect(compareVersions("25.1", "25.1.0")).toBe(0);
    expect(compareVersions("24.1.9", "24.7")).toBeLessThan(0);
  });
});

describe("capabilities", () => {
  test("releases older than 24.7 are refused with what to do", () => {
    expect(() => requireSupported(parseRelease("24.1.10")!)).toThrow(UnsupportedReleaseError);
    expect(() => requireSupported(parseRelease("24.1.10")!)).toThrow(/older than 24.7.*nothing was changed.*System → Firmware/);
    expect(requireSupported(parseRelease("24.7.0")!).release.version).toBe("24.7.0");
  });

  test("the Dnsmasq range API arrives in 25.1.6, hosts in 25.1.2", () => {
    expect(capabilities(parseRelease("25.1.5")!)).toMatchObject({ dnsmasqHosts: true, dnsmasqRanges: false });
    expect(capabilities(parseRelease("25.1.1")!)).toMatchObject({ dnsmasqHosts: false, dnsmasqRanges: false });
    expect(capabilities(parseRelease("25.1.6")!).dnsmasqRanges).toBe(true);
  });

  test.each(Object.entries(SERIES_VERSIONS))("%s agrees with the simulator's profile of that release", (_series, version) => {
    const c = capabilities(parseRelease(version)!);
    const p = profileFor(version);
    expect({
      savepoint: c.filterSavepoint,
      assignmentApi: c.assignmentApi,
      dnsmasq: c.dnsmasqHosts,
      dnsmasqRanges: c.dnsmasqRanges,
      ruleTcpUdp: c.ruleTcpUdp,
      ruleInet46: c.ruleInet46,
      ruleMultiNets: c.ruleMultiValueNets,
      ruleSequenceMax: c.ruleSequenceMax,
      ruleDirectionAny: c.ruleDirectionAny,
      aliasGetUnknown: c.aliasGetUnknown,
      interfaceAddr4: c.interfaceAddr4,
    }).toEqual({
      savepoint: p.savepoint,
      assignmentApi: p.assignmentApi,
      dnsmasq: p.dnsmasq,
      dnsmasqRanges: p.dnsmasqRanges,
      ruleTcpUdp: p.ruleTcpUdp,
      ruleInet46: p.ruleInet46,
      ruleMultiNets: p.ruleMultiNets,
      ruleSequenceMax: p.ruleSequenceMax,
      ruleDirectionAny: p.ruleDirectionAny,
      aliasGetUnknown: p.aliasGetUnknown,
      interfaceAddr4: p.interfaceAddr4,
    });
  });

  test("the table per series, as the README lists it", () => {
    const row = (v: string) => {
      const c = capabilities(parseRelease(v)!);
      return [c.ruleTcpUdp, c.ruleMultiValueNets, c.ruleSequenceMax, c.ruleDirectionAny, c.filterSavepoint, c.assignmentApi];
    };
    expect(row("24.7.12")).toEqual([false, false, 99999, false, true, false]);
    expect(row("25.1.12")).toEqual([true, true, 99999, false, true, false]);
    expect(row("25.7.11")).toEqual([true, true, 999999, false, true, false]);
    expect(row("26.1.11")).toEqual([true, true, 999999, true, true, false]);
    expect(row("26.7.2")).toEqual([true, true, 999999, true, false, true]);
    expect(row("27.1.0")).toEqual([true, true, 999999, true, false, true]);
  });
});
