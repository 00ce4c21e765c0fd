// Reading config.xml and naming what differs between two of them: a config.xml
// written as a real box writes it (legacy rules without uuids, entities, CDATA),
// and backups downloaded over HTTPS from the OPNsense simulator (which stands in
// for a box; none can run here), whose config.xml follows the models' mount points.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseConfigXml } from "./config-xml.ts";
import { diffConfigSections, sectionLines, servicesFor, type SectionChange } from "./config-sections.ts";
import { COLLECTION_NAMES } from "../simulator/models.ts";
import { XML_PLACES } from "../simulator/config-xml.ts";
import { clientFor, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";

const BOX = (rules: string, extra = "") => `<?xml version="1.0"?>
<!-- written by the box -->
<opnsense>
  <revision><time>1716000000.1</time><description>saved</description></revision>
  <system><hostname>fw</hostname><user><name>root</name><password>$2y$10$hash</password></user></system>
  <filter>${rules}</filter>
  <OPNsense>
    <unboundplus><general><enabled>1</enabled></general><hosts>${extra}</hosts></unboundplus>
  </OPNsense>
</opnsense>
`;

describe("config.xml", () => {
  test("elements, attributes, entities and CDATA as the box writes them", () => {
    const root = parseConfigXml(`<?xml version="1.0"?><opnsense><a x="1 &amp; 2"/><b><![CDATA[<raw>]]></b><c>a &lt; b &#65;</c></opnsense>`);
    expect(root.name).toBe("opnsense");
    expect(root.children.map((c) => [c.name, c.attrs, c.text])).toEqual([
      ["a", { x: "1 & 2" }, ""],
      ["b", {}, "<raw>"],
      ["c", {}, "a < b A"],
    ]);
  });

  test("what is not config.xml is refused, saying where", () => {
    expect(() => parseConfigXml("<opnsense><a></b></opnsense>")).toThrow(/offset \d+: <\/b> closes <a>/);
    expect(() => parseConfigXml("<opnsense>")).toThrow(/<opnsense> is not closed/);
    expect(() => parseConfigXml("not xml")).toThrow(/expected an element/);
  });

  test("sections named, items by description, the revision ignored, no values shown", () => {
    const now = BOX(
      "<rule><descr>allow lan</descr></rule><rule><descr>added later</descr></rule>",
      '<host uuid="h1"><hostname>nas</hostname><description>nas [bosun:abc123]</description><server>10.0.0.5</server></host>',
    ).replace("1716000000.1", "1716000099.9");
    const then = BOX(
      "<rule><descr>allow lan</descr></rule>",
      '<host uuid="h1"><hostname>nas</hostname><description>nas [bosun:abc123]</description><server>10.0.0.4</server></host>',
    );
    const diff = diffConfigSections(now, then);
    expect(diff).toEqual([
      { section: "firewall rules (legacy)", path: "filter", restored: [], removed: ["added later"], changed: [], settings: false },
      { section: "Unbound host overrides", path: "OPNsense/unboundplus/hosts", restored: [], removed: [], changed: ["nas"], settings: false },
    ]);
    expect(sectionLines(diff)).toEqual(["firewall rules (legacy): removes 1 (added later)", "Unbound host overrides: changes 1 (nas)"]);
    expect(JSON.stringify(diff)).not.toMatch(/10\.0\.0\.|hash/);
    expect(diffConfigSections(now, now)).toEqual([]);
  });
});

describe("services to reconfigure after a restore", () => {
  const change = (path: string, section = path): SectionChange => ({ section, path, restored: [], removed: ["x"], changed: [], settings: false });

  test("each section's service once; interfaces only where the release can apply them; the rest said in words", () => {
    const changes = [
      change("interfaces", "interfaces (assignments and addresses)"),
      change("vlans", "VLANs"),
      change("OPNsense/unboundplus/hosts"),
      change("OPNsense/unboundplus"),
      change("cert"),
      change("system", "system settings"),
    ];
    expect(servicesFor(changes, true)).toEqual({
      services: ["assignment", "vlan", "unbound", "haproxy"],
      manual: [expect.stringMatching(/^system settings: saved, but bosun has no call that reloads it/)],
    });
    const old = servicesFor(changes, false);
    expect(old.services).toEqual(["vlan", "unbound", "haproxy"]);
    expect(old.manual[0]).toMatch(/^interfaces \(assignments and addresses\): saved, but this release applies interface settings only from its web UI/);
  });
});

describe("backups from the simulator", () => {
  let s: Simulator;
  beforeAll(async () => {
    s = await sim();
  });
  afterAll(async () => {
    await s.stop();
  });

  test("every simulated collection has its place in config.xml", () => {
    expect(COLLECTION_NAMES.filter((n) => !XML_PLACES[n])).toEqual([]);
  });

  test("a backup against the current config: VLANs, rules, DHCP and overrides made since are named", async () => {
    const c = clientFor(s);
    const [before] = await c.listBackups();
    await c.vlans.add({ if: "igc1", tag: "30", descr: "iot" });
    await c.rules.add({ interface: "lan", action: "pass", protocol: "TCP", destination_port: "443", description: "web from lan" });
    await c.dnsmasqRanges.add({ interface: "lan", start_addr: "192.168.1.100", end_addr: "192.168.1.199", description: "lan pool" });
    await c.hostOverrides.add({ hostname: "nas", domain: "home.arpa", server: "192.168.1.5", description: "nas" });
    const { enable } = await c.dnsmasqGeneral();
    await c.setDnsmasqGeneral({ enable: enable === "1" ? "0" : "1" });
    const diff = diffConfigSections(await c.downloadBackup(), await c.downloadBackup(before?.id));
    expect(diff.map((d) => [d.section, d.removed, d.settings])).toEqual([
      ["VLANs", ["iot"], false],
      ["firewall rules", ["web from lan"], false],
      ["DHCP and DNS (Dnsmasq)", ["lan pool"], true],
      ["Unbound host overrides", ["nas.home.arpa"], false],
    ]);
    c.close();
  });
});
