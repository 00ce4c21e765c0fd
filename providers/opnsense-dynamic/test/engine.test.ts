// Every OPNsense resource through the real Pulumi engine (the CLI from
// scripts/setup.sh, bosun's language host, the dynamic-provider plugin)
// against the simulator: create, update in place, replace, delete, drift,
// box-side and check-side validation errors, a wrong secret, an unreachable
// box, and a fault in the middle of an up. The fixture program in ./program
// declares the resources from the stack's `case` config.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../simulator/server.ts";
import type { Args, Case } from "./program/case.ts";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { removeCheckpointBackups } from "../../../test/support/test-stack.ts";

const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../../..", import.meta.url));
const PROJECT = "bosun-opnsense-engine-test"; // test/program/Pulumi.yaml
const stackName = `test-opn-${randomBytes(3).toString("hex")}`;
const KEY = "engine-key";
const SECRET = "engine-secret-0123456789";

/** The first desired state: one of each kind, both DHCP backends. opt1 (igc2, 10.60.0.0/24) is assigned up front. */
const base = (): Case => ({
  vlans: { "vlan-a": { parent: "igc1", tag: 61, description: "cameras" } },
  aliases: { ports: { name: "game_ports", type: "port", content: ["25565"], description: "game" } },
  rules: {
    "allow-game": { interface: "lan", protocol: "TCP", destination: "10.60.0.10", destinationPort: "@ports.name", sequence: 10, description: "allow game" },
  },
  ranges: {
    "lab-dhcp": { interface: "opt1", subnet: "10.60.0.0/24", start: "10.60.0.100", end: "10.60.0.199", description: "lab" },
    "lan-kea": {
      backend: "kea",
      interface: "lan",
      subnet: "192.168.1.0/24",
      start: "192.168.1.100",
      end: "192.168.1.150",
      router: "192.168.1.1",
      dnsServers: ["192.168.1.1"],
      description: "lan kea",
    },
  },
  reservations: {
    printer: { mac: "aa:bb:cc:00:00:01", ip: "10.60.0.20", hostname: "printer", subnet: "10.60.0.0/24", description: "printer" },
    nas: { backend: "kea", mac: "aa:bb:cc:00:00:02", ip: "192.168.1.20", hostname: "nas", subnetId: "@lan-kea.subnetId", subnet: "192.168.1.0/24" },
  },
  hosts: { "game-dns": { hostname: "game", domain: "home.arpa", address: "10.60.0.10", description: "game" } },
});

let sim: Simulator;
let stack: Stack;
let current: Case;

/** Applies are counted per subsystem: each must run once per deployment that wrote to it. */
const APPLY_PATHS: Record<string, RegExp> = {
  vlan: /vlan_settings\/reconfigure$/,
  alias: /firewall\/alias\/reconfigure$/,
  filter: /firewall\/filter\/apply\//,
  kea: /kea\/service\/reconfigure$/,
  dnsmasq: /dnsmasq\/service\/reconfigure$/,
  unbound: /unbound\/service\/reconfigure$/,
};
function applies(): Record<string, number> {
  const byPath = sim.calls().byPath;
  return Object.fromEntries(
    Object.entries(APPLY_PATHS)
      .map(
        ([k, re]) =>
          [
            k,
            Object.entries(byPath)
              .filter(([p]) => re.test(p))
              .reduce((n, [, c]) => n + c, 0),
          ] as const,
      )
      .filter(([, n]) => n > 0),
  );
}
const writes = () => Object.entries(sim.calls().byPath).filter(([p]) => /^POST .*\/(add|set|del)[A-Z]/.test(p)).length;

async function setCase(c: Case): Promise<void> {
  current = c;
  await stack.setConfig("case", { value: JSON.stringify(c) });
}
async function ids(): Promise<Record<string, string>> {
  return (await stack.outputs()).ids?.value as Record<string, string>;
}
/** The only item of a collection (saved view unless live). */
function only(collection: string, view: "saved" | "live" = "saved"): Record<string, string> {
  const rows = Object.values(sim.items(collection, view));
  expect(rows, `${collection} (${view})`).toHaveLength(1);
  return rows[0] as Record<string, string>;
}
/** Saved config equals live config for every collection: nothing left saved-but-not-applied. */
function expectAllLive(): void {
  for (const c of ["vlans", "aliases", "rules", "keaSubnets", "keaReservations", "dnsmasqRanges", "dnsmasqHosts", "hostOverrides"]) {
    expect(sim.items(c, "live"), c).toEqual(sim.items(c, "saved"));
  }
}
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: KEY, apiSecret: SECRET });
  sim.store.assignInterface({ identifier: "opt1", device: "igc2", description: "LAB", addr4: "10.60.0.1/24" });
  const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
  stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
  await stack.setAllConfig({
    "opnsense:url": { value: sim.url },
    "opnsense:apiKey": { value: KEY },
    "opnsense:apiSecret": { value: SECRET, secret: true },
    "opnsense:caPem": { value: sim.caPem },
  });
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
  rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
  removeCheckpointBackups(PROJECT, stackName);
  await sim?.stop();
});

describe("OPNsense resources through the engine", () => {
  test("create: every kind saved and made live with one apply per subsystem", async () => {
    await setCase(base());
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBe(15); // stack + 8 resources + 6 applies
    expect(writes()).toBe(0); // a preview changes nothing on the box

    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(15);
    expect(applies()).toEqual({ vlan: 1, alias: 1, filter: 1, kea: 1, dnsmasq: 1, unbound: 1 });
    expectAllLive();

    expect(only("vlans")).toMatchObject({ if: "igc1", tag: "61", descr: "cameras", vlanif: "vlan0.61" });
    expect(only("aliases")).toMatchObject({ name: "game_ports", type: "port", content: "25565" });
    expect(only("rules")).toMatchObject({ interface: "lan", protocol: "TCP", destination_net: "10.60.0.10", destination_port: "game_ports", action: "pass" });
    expect(only("dnsmasqRanges")).toMatchObject({ interface: "opt1", start_addr: "10.60.0.100", end_addr: "10.60.0.199" });
    expect(only("keaSubnets")).toMatchObject({ subnet: "192.168.1.0/24", pools: "192.168.1.100-192.168.1.150" });
    const kea = Object.keys(sim.items("keaSubnets"))[0];
    expect(only("keaReservations")).toMatchObject({ subnet: kea, ip_address: "192.168.1.20", hw_address: "aa:bb:cc:00:00:02", hostname: "nas" });
    expect(only("dnsmasqHosts")).toMatchObject({ host: "printer", ip: "10.60.0.20", hwaddr: "aa:bb:cc:00:00:01" });
    expect(only("hostOverrides")).toMatchObject({ hostname: "game", domain: "home.arpa", server: "10.60.0.10" });

    const again = await stack.preview();
    expect(again.changeSummary).toEqual({ same: 15 });
    // The API secret reaches the provider through configuration only, and the
    // backend stores it encrypted: the checkpoint file never holds it in clear.
    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");
    expect(onDisk).toContain(KEY); // plain config is visible in the provider's inputs...
    expect(onDisk).not.toContain(SECRET); // ...the secret is not
    const providers = (JSON.parse(onDisk).checkpoint.latest.resources as { type: string; inputs: Record<string, unknown> }[]).filter(
      (r) => r.type === "pulumi:providers:pulumi-nodejs",
    );
    expect(providers).toHaveLength(1);
    expect(providers[0]!.inputs["opnsense:apiSecret"]).toMatchObject({ ciphertext: expect.any(String) });
  });

  test("update in place: same ids, new values live, one apply per touched subsystem", async () => {
    const before = await ids();
    const c = base();
    c.vlans!["vlan-a"]!.description = "cameras and doorbells";
    c.aliases!.ports!.content = ["25565", "25566"];
    c.rules!["allow-game"]!.description = "allow game (java and bedrock)";
    c.ranges!["lab-dhcp"]!.end = "10.60.0.150";
    c.ranges!["lan-kea"]!.end = "192.168.1.160";
    c.reservations!.printer!.hostname = "printer2";
    c.reservations!.nas!.hostname = "nas2";
    c.hosts!["game-dns"]!.address = "10.60.0.11";
    await setCase(c);
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ update: 8 + 6, same: 1 }); // every resource and apply; the stack is the same
    expect(await ids()).toEqual(before);
    expect(applies()).toEqual({ vlan: 1, alias: 1, filter: 1, kea: 1, dnsmasq: 1, unbound: 1 });
    expectAllLive();
    expect(only("vlans", "live").descr).toBe("cameras and doorbells");
    expect(String(only("aliases", "live").content).split("\n").sort()).toEqual(["25565", "25566"]);
    expect(only("rules", "live").description).toBe("allow game (java and bedrock)");
    expect(only("dnsmasqRanges", "live").end_addr).toBe("10.60.0.150");
    expect(only("keaSubnets", "live").pools).toBe("192.168.1.100-192.168.1.160");
    expect(only("dnsmasqHosts", "live").host).toBe("printer2");
    expect(only("keaReservations", "live").hostname).toBe("nas2");
    expect(only("hostOverrides", "live").server).toBe("10.60.0.11");
  });

  test("replace: identity changes make new items, dependents follow, old ones are gone", async () => {
    const before = await ids();
    const c = structuredClone(current);
    c.vlans!["vlan-a"]!.tag = 62; // parent/tag: delete the old VLAN first (same tag space)
    c.aliases!.ports!.name = "game_ports2"; // a rename: new alias, the rule follows, then the old one goes
    c.ranges!["lan-kea"]!.subnet = "192.168.1.0/25"; // a Kea subnet's network: new subnet, its reservation moves
    c.ranges!["lan-kea"]!.end = "192.168.1.120";
    c.reservations!.nas!.subnet = "192.168.1.0/25";
    await setCase(c);
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges?.replace).toBe(4);
    const after = await ids();
    for (const k of ["vlan-a", "ports", "lan-kea", "nas"]) expect(after[k], k).not.toBe(before[k]);
    for (const k of ["allow-game", "lab-dhcp", "printer", "game-dns"]) expect(after[k], k).toBe(before[k]);
    expectAllLive();
    expect(only("vlans", "live")).toMatchObject({ tag: "62", vlanif: "vlan0.62" });
    expect(only("aliases", "live").name).toBe("game_ports2");
    expect(only("rules", "live").destination_port).toBe("game_ports2");
    expect(only("keaSubnets", "live")).toMatchObject({ subnet: "192.168.1.0/25", pools: "192.168.1.100-192.168.1.120" });
    expect(only("keaReservations", "live").subnet).toBe(after["lan-kea"]);
  });

  test("drift: an edit on the box shows in refresh, and up puts the declared rule back", async () => {
    const ruleId = (await ids())["allow-game"] as string;
    sim.store.mutate({ collection: "rules", op: "set", uuid: ruleId, item: { action: "block", description: "edited in the UI" } });
    const drifted: Record<string, string[]> = {};
    const refresh = await stack.refresh({
      onEvent: (e) => {
        const m = e.resOutputsEvent?.metadata;
        if (m?.op !== "update" || !m.old || !m.new) return;
        const [before, after] = [m.old.outputs ?? {}, m.new.outputs ?? {}] as Record<string, unknown>[];
        const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
        drifted[m.urn.split("::").pop() as string] = keys.filter((k) => JSON.stringify(before?.[k]) !== JSON.stringify(after?.[k])).sort();
      },
    });
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    expect(drifted).toEqual({ "allow-game": ["action", "description"] });
    const state = await stack.exportStack();
    const rule = state.deployment.resources.find((r: { id?: string }) => r.id === ruleId) as { outputs: Record<string, unknown> };
    expect(rule.outputs).toMatchObject({ action: "block", description: "edited in the UI" });

    const preview = await stack.preview();
    expect(preview.changeSummary.update).toBe(2); // the rule and the filter apply

    sim.resetCalls();
    await stack.up();
    expect(only("rules", "live")).toMatchObject({ action: "pass", description: "allow game (java and bedrock)" });
    expect(applies()).toEqual({ filter: 1 });
    expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("check errors name resource, field and rule before anything is touched", async () => {
    const good = current;
    sim.resetCalls();
    await setCase({ ...good, vlans: { ...good.vlans, "vlan-b": { parent: "igc1", tag: 5000 } } });
    expect(await failure(stack.up())).toContain("resource 'vlan-b': property tag value {5000} has a problem: VLAN igc1.5000: tag: must be between 1 and 4094");
    await setCase({
      ...good,
      rules: { ...good.rules, "bad-port": { interface: "lan", protocol: "ICMP", destinationPort: "22", description: "icmp with a port" } },
    });
    expect(await failure(stack.up())).toContain(
      'firewall rule "icmp with a port": destinationPort: ports need protocol TCP, UDP or TCP/UDP (protocol is ICMP)',
    );
    await setCase({ ...good, ranges: { ...good.ranges, "lab-dhcp": { ...good.ranges!["lab-dhcp"], end: "10.61.0.10" } } });
    expect(await failure(stack.up())).toContain("end: 10.61.0.10 is not inside subnet 10.60.0.0/24");
    expect(writes()).toBe(0);
    current = good;
  });

  test("the box's own validation errors reach `pulumi up` with the input's name", async () => {
    // A VLAN made in the UI takes the tag; a rule names an alias that does not exist.
    sim.store.mutate({ collection: "vlans", op: "add", item: { if: "igc1", tag: "63", vlanif: "vlan0.63", descr: "made by hand" } });
    const good = current;
    await setCase({ ...good, vlans: { ...good.vlans, "vlan-c": { parent: "igc1", tag: 63 } } });
    expect(await failure(stack.up())).toContain(
      "Vlan vlan-c **creating failed** error: VLAN igc1.63 rejected by OPNsense: tag: Tag 63 is already used on igc1.",
    );
    const toMissing = { interface: "lan", protocol: "TCP", destination: "no_such_alias", description: "to a missing alias" };
    await setCase({ ...good, rules: { ...good.rules, "to-missing-alias": toMissing } });
    expect(await failure(stack.up())).toMatch(
      /FirewallRule to-missing-alias \*\*creating failed\*\* error: firewall rule "to a missing alias" rejected by OPNsense: destination: .*no_such_alias/,
    );
    current = good;
    // Nothing half-made: the hand-made VLAN is the only new item, and no rule was added.
    expect(
      Object.values(sim.items("vlans"))
        .map((v) => v.tag)
        .sort(),
    ).toEqual(["62", "63"]);
    expect(Object.keys(sim.items("rules"))).toHaveLength(1);
    expect((await stack.refresh()).summary.result).toBe("succeeded");
  });

  test("a wrong API secret and an unreachable box fail with what to check", async () => {
    const c = structuredClone(current);
    c.hosts!["game-dns"]!.description = "game server";
    await setCase(c);

    await stack.setConfig("opnsense:apiSecret", { value: "not-the-secret", secret: true });
    let message = await failure(stack.up());
    expect(message).toContain("HTTP 401");
    expect(message).toContain("the API key/secret was rejected");
    expect(message).not.toContain("not-the-secret");
    expect(only("hostOverrides").description).toBe("game");

    await stack.setConfig("opnsense:apiSecret", { value: SECRET, secret: true });
    await stack.setConfig("opnsense:url", { value: "https://127.0.0.1:9" });
    message = await failure(stack.up());
    expect(message).toContain("OPNsense unreachable");
    expect(message).toContain("ECONNREFUSED");

    await stack.setConfig("opnsense:url", { value: sim.url });
    await stack.up();
    expect(only("hostOverrides", "live").description).toBe("game server");
  });

  test("a fault in the middle of an up leaves the stack refreshable and the live config untouched", async () => {
    const liveRules = sim.items("rules", "live");
    const c = structuredClone(current);
    for (const port of ["8080", "8081", "8082"]) {
      c.rules![`web-${port}`] = {
        interface: "lan",
        protocol: "TCP",
        destination: "10.60.0.10",
        destinationPort: port,
        sequence: 20,
        description: `web ${port}`,
      };
    }
    await setCase(c);
    sim.faults.add({ path: "filter/addRule", nth: 2, status: 500 });
    const message = await failure(stack.up());
    expect(message).toContain("HTTP 500");
    sim.faults.clear();
    // Saved but not applied: the filter apply never ran, so the live ruleset is as before.
    expect(sim.items("rules", "live")).toEqual(liveRules);
    expect((await stack.refresh()).summary.result).toBe("succeeded");

    sim.resetCalls();
    await stack.up();
    expect(
      Object.values(sim.items("rules", "live"))
        .map((r) => r.description)
        .sort(),
    ).toEqual(["allow game (java and bedrock)", "web 8080", "web 8081", "web 8082"]);
    expect(applies()).toEqual({ filter: 1 });
    expectAllLive();
  });

  test("delete: destroy removes every item, each subsystem applied, nothing left live", async () => {
    sim.resetCalls();
    await stack.destroy();
    for (const c of ["aliases", "rules", "keaSubnets", "keaReservations", "dnsmasqRanges", "dnsmasqHosts", "hostOverrides"]) {
      expect(sim.items(c, "saved"), c).toEqual({});
      expect(sim.items(c, "live"), c).toEqual({});
    }
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["63"]); // only the hand-made one
    expect(Object.keys(applies()).sort()).toEqual(["alias", "dnsmasq", "filter", "kea", "unbound", "vlan"]);
  });
});
