// The lock-out guard's rule evaluation (pure): which rule would stop a new
// connection from bosun to the API, in pf's order.
import { describe, expect, test } from "vitest";
import { blockingRule, describeLockout, type AliasView, type ApiPath, type RuleView } from "./lockout.ts";

const path: ApiPath = {
  source: "192.168.1.50",
  box: "192.168.1.1",
  port: 443,
  iface: "lan",
  interfaces: [
    { identifier: "lan", device: "igc1", description: "LAN", addr4: "192.168.1.1/24", enabled: "1" },
    { identifier: "opt1", device: "vlan01", description: "IOT", addr4: "10.20.0.1/24", enabled: "1" },
  ],
};
const rule = (r: RuleView): RuleView => ({
  enabled: "1",
  quick: "1",
  action: "block",
  interface: "lan",
  direction: "in",
  ipprotocol: "inet",
  protocol: "any",
  ...r,
});

describe("blockingRule", () => {
  test("a block on the path's interface, source and port cuts bosun off", () => {
    const r = rule({ uuid: "r1", source_net: "lan", destination_net: "(self)", description: "lock lan" });
    expect(blockingRule(path, [r], [])).toBe(r);
    expect(describeLockout(r, path)).toMatch(
      /firewall rule "lock lan" \(r1\) would block bosun's own connection .*192\.168\.1\.50 on interface lan to 192\.168\.1\.1:443.*opnsense:allowLockout/,
    );
  });

  test("rules that do not touch the path are ignored", () => {
    const cases: RuleView[] = [
      rule({ interface: "opt1" }),
      rule({ direction: "out" }),
      rule({ ipprotocol: "inet6" }),
      rule({ protocol: "UDP" }),
      rule({ destination_port: "22", protocol: "TCP" }),
      rule({ destination_port: "1-442", protocol: "TCP" }),
      rule({ source_net: "10.20.0.0/24" }),
      rule({ source_net: "lan", source_not: "1" }),
      rule({ destination_net: "10.20.0.1" }),
      rule({ enabled: "0" }),
      rule({ source_port: "1024-65535", protocol: "TCP" }),
    ];
    for (const r of cases) expect(blockingRule(path, [r], []), JSON.stringify(r)).toBeUndefined();
  });

  test("first quick match decides; a pass rule earlier in sequence keeps access", () => {
    const pass = rule({ action: "pass", sequence: "5", destination_port: "https", protocol: "TCP" });
    const block = rule({ sequence: "10" });
    expect(blockingRule(path, [block, pass], [])).toBeUndefined();
    expect(blockingRule(path, [{ ...pass, sequence: "20" }, block], [])).toBe(block);
  });

  test("without quick the last match decides", () => {
    const block = rule({ quick: "0", sequence: "1" });
    const pass = rule({ quick: "0", sequence: "2", action: "pass" });
    expect(blockingRule(path, [pass, block], [])).toBeUndefined();
    expect(blockingRule(path, [{ ...block, sequence: "3" }, pass], [])?.action).toBe("block");
  });

  test("aliases are resolved, nested and with port ranges; reject counts as blocking", () => {
    const aliases: AliasView[] = [
      { name: "admins", type: "host", content: "192.168.1.50\n192.168.1.51" },
      { name: "mgmt", type: "networkgroup", content: "admins" },
      { name: "webports", type: "port", content: "80\n440:450" },
    ];
    const r = rule({ action: "reject", source_net: "mgmt", destination_port: "webports", protocol: "TCP" });
    expect(blockingRule(path, [r], aliases)).toBe(r);
    expect(blockingRule(path, [{ ...r, source_net: "admins,10.0.0.0/8" }], aliases)).toBeDefined();
    expect(blockingRule({ ...path, source: "192.168.1.60" }, [r], aliases)).toBeUndefined();
  });

  test("an unknown path (no interface holds bosun's address) blocks nothing", () => {
    expect(blockingRule({ ...path, iface: undefined }, [rule({})], [])).toBeUndefined();
  });
});
