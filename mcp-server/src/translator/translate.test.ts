import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { minecraftDemo } from "../../../stacks/model/examples/minecraft.ts";
import { formatSpecErrors, parseSpec } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { containerArgsFor, dhcpRangeFor, dnsRecordsFor, firewallRulesFor } from "../../../stacks/model/mapping.ts";
import { templateCatalog } from "../../../stacks/templates/catalog.ts";
import { ACTIONS } from "./actions/index.ts";
import { readFacts } from "./facts.ts";
import { translate } from "./index.ts";
import { normalize, sizes, words } from "./text.ts";
import { unsupportedChanges } from "./unsupported.ts";

const secret = (id: string) => `secret-${id}`;

function demo(): SpecV1 {
  const result = parseSpec(minecraftDemo);
  if (!result.ok) throw new Error(formatSpecErrors(result.errors));
  return result.spec;
}

describe("translate", () => {
  it("turns the headline request into the demo spec", () => {
    const result = translate("Deploy a Minecraft server for 10 players on VLAN 20", undefined, { secret });
    expect(result.questions).toEqual([]);
    const expected = demo();
    expect(result.spec.networks.gaming).toMatchObject({ ...expected.networks.gaming, description: "gaming (VLAN 20)" });
    expect(result.spec.services.minecraft).toEqual(expected.services.minecraft);
    expect(result.changes).toEqual([
      "add network gaming: VLAN 20, 10.20.0.0/24, gateway 10.20.0.1, DHCP 10.20.0.100-10.20.0.199",
      "add service minecraft: minecraft-java on gaming, 4096 MiB, 2 CPUs, ports 25565/tcp",
    ]);
    expect(result.assumptions).toContain("4 GiB for 10 players (1 GiB + 300 MiB per player, rounded up to 512 MiB)");
    expect(result.assumptions).toContain("VLAN 20 gets 10.20.0.0/24 (gateway 10.20.0.1, DHCP on)");
  });

  // Issue 6 "Done when", at the translator's level: the spec maps to the resources the preview must show.
  it("gives the demo request the VLAN, DHCP range, 25565 rule, sized container and DNS record", () => {
    const spec = translate("Deploy a Minecraft server for 10 players on VLAN 20", undefined, { secret }).spec;
    const gaming = spec.networks.gaming;
    expect(gaming?.vlan).toBe(20);
    expect(gaming && dhcpRangeFor(gaming)).toMatchObject({ subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199", router: "10.20.0.1" });
    expect(firewallRulesFor(spec)).toContainEqual(expect.objectContaining({ action: "pass", destination: "10.20.0.10", port: "25565", protocol: "tcp" }));
    expect(containerArgsFor(spec, "minecraft")).toMatchObject({ memoryMb: 4096, ports: [{ internal: 25565, external: 25565, protocol: "tcp" }] });
    expect(dnsRecordsFor(spec)).toContainEqual(expect.objectContaining({ hostname: "minecraft", domain: "home.arpa", address: "10.20.0.10", type: "A" }));
    // On the demo stack, which already holds it, the same request changes nothing.
    const again = translate("Deploy a Minecraft server for 10 players on VLAN 20", demo(), { secret });
    expect(again.questions).toEqual([]);
    expect(again.changes).toEqual([]);
    expect(again.spec).toEqual(demo());
  });

  it("is deterministic and leaves the input spec alone", () => {
    const current = demo();
    const before = JSON.stringify(current);
    const a = translate("tear down the gaming VLAN", current, { secret });
    const b = translate("tear down the gaming VLAN", current, { secret });
    expect(a).toEqual(b);
    expect(JSON.stringify(current)).toBe(before);
  });

  it("returns the current spec unchanged whenever it asks", () => {
    const current = demo();
    const result = translate("give minecraft 4 TB of RAM", current);
    expect(result.questions).toEqual([
      "4096 GiB of memory is more than bosun gives one service or container (at most 256 GiB). How much memory should it get?",
    ]);
    expect(result.spec).toBe(current);
    expect(result.changes).toEqual([]);
  });

  it("suggests close names for things it can't find", () => {
    const result = translate("remove the gamng network", demo());
    expect(result.spec.networks.gaming).toBeUndefined();
    const unknown = translate("delete the foobar service", demo());
    expect(unknown.questions[0]).toMatch(/I couldn't find "foobar"/);
  });

  it("shares one generated password between WordPress and its database, and marks it secret", () => {
    const result = translate("put wordpress on vlan 10", undefined, { secret });
    expect(result.spec.services.wordpress?.env.WORDPRESS_DB_PASSWORD).toEqual({ secret: "secret-wordpress-db-password" });
    expect(result.spec.services["wordpress-db"]?.env.MARIADB_PASSWORD).toEqual({ secret: "secret-wordpress-db-password" });
    expect(result.spec.services["wordpress-db"]?.env.MARIADB_ROOT_PASSWORD).toEqual({ secret: "secret-wordpress-db-root-password" });
    expect(result.spec.services["wordpress-db"]?.env.MARIADB_DATABASE).toBe("wordpress");
    const random = translate("put wordpress on vlan 10");
    const value = random.spec.services.wordpress?.env.WORDPRESS_DB_PASSWORD;
    expect(typeof value === "object" && value.secret.length >= 24).toBe(true);
  });

  it("lists what a network removal takes with it", () => {
    const current = translate("put wordpress on vlan 10", undefined, { secret }).spec;
    const result = translate("remove vlan 10", current, { secret });
    expect(result.spec.services).toEqual({});
    expect(result.changes).toEqual([
      "remove network servers",
      "remove service wordpress (it ran on servers)",
      "remove service wordpress-db (wordpress's mariadb companion; Docker keeps its data volume)",
    ]);
  });

  it("treats hostile text as words only", () => {
    const result = translate("deploy nginx called $(reboot) on vlan 10 `id` ${process.exit()}", undefined, { secret });
    expect(result.questions).toEqual([]);
    expect(Object.keys(result.spec.services)).toEqual(["reboot"]);
    const traversal = translate("deploy nginx called ../../etc/passwd on vlan 10");
    expect(traversal.questions[0]).toMatch(/can't be a service name/);
  });

  it("never throws and always returns a valid spec, for any text", () => {
    const vocabulary = [
      "deploy",
      "remove",
      "minecraft",
      "vlan",
      "20",
      "give",
      "8gb",
      "allow",
      "guests",
      "to",
      "reach",
      "jellyfin",
      "players",
      "10",
      "port",
      "70000",
      "block",
      "iot",
      "vm",
      "cores",
      "disk",
      "50gb",
      "cert",
      "for",
      "dns",
      "record",
      "move",
      "30",
      "the",
      "and",
    ];
    const sentence = fc.array(fc.constantFrom(...vocabulary), { maxLength: 12 }).map((ws) => ws.join(" "));
    fc.assert(
      fc.property(fc.oneof(sentence, fc.string({ maxLength: 80 })), (text) => {
        const result = translate(text, demo(), { secret });
        expect(parseSpec(result.spec).ok).toBe(true);
        if (result.questions.length > 0) expect(result.changes).toEqual([]);
        // Never a silent "No changes", never what bosun cannot build yet.
        else expect(result.changes.length > 0 || result.assumptions.length > 0).toBe(true);
        expect(unsupportedChanges(result.spec, demo())).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps one ordered table of actions, with the catch-all last", () => {
    const names = ACTIONS.map((a) => a.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe("refuse what bosun cannot build yet");
    expect(names.at(-1)).toBe("not understood");
    expect(ACTIONS.at(-1)?.matches(readFacts("zzz", demo(), templateCatalog))).toBe(true);
  });

  it("asks, naming the words it did not understand, instead of answering with no changes", () => {
    const result = translate("make the gaming vlan sparkle", demo(), { secret });
    expect(result.changes).toEqual([]);
    expect(result.questions).toEqual([expect.stringContaining('I don\'t know "sparkle"')]);
    // Understood and already true: no changes, and it says why.
    const already = translate("disable dhcp on the gaming vlan", translate("disable dhcp on the gaming vlan", demo(), { secret }).spec, { secret });
    expect(already.questions).toEqual([]);
    expect(already.changes).toEqual([]);
    expect(already.assumptions).toEqual(["gaming is already like that: nothing to change"]);
  });

  it("refuses overly long text", () => {
    expect(translate("minecraft ".repeat(200)).questions[0]).toMatch(/reads up to 1000/);
  });
});

describe("text", () => {
  it("reads units and number words", () => {
    const read = (t: string) => sizes(words(normalize(t))).map((s) => `${s.kind}:${s.mb}`);
    expect(read("4 gigs")).toEqual(["memory:4096"]);
    expect(read("8GB ram and 100GB disk")).toEqual(["memory:8192", "disk:102400"]);
    expect(read("disk of 50 GB, 2 GB of memory")).toEqual(["disk:51200", "memory:2048"]);
    expect(read("1.5gb")).toEqual(["memory:1536"]);
    expect(normalize("Ten players on VLAN20!")).toBe("10 players on vlan 20");
  });
});
