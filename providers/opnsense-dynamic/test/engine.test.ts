// Every OPNsense resource through the real Pulumi engine (the CLI from
// scripts/setup.sh, bosun's language host, the dynamic-provider plugin)
// against the simulator playing 26.7 (the full matrix; engine-<release>.test.ts
// run a focused set per older release): create, update in place, replace,
// delete, drift, box-side and check-side validation errors, a wrong secret, an
// unreachable box, a fault in the middle of an up, a create whose answer is
// lost, the lock-out guard and the rollback it falls back on, and a new
// segment (VLAN → assignment API → DHCP on its interface) under `up --plan`.
// The fixture program in ./program declares the resources from the stack's `case` config.
import { describe, expect, test } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Case } from "./program/case.ts";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { KEY, PROJECT, SECRET, engineSuite } from "./engine-harness.ts";

/** The first desired state: one of each kind, both DHCP servers. opt1 (igc2, 10.60.0.0/24) is assigned up front. */
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
      enableService: true,
    },
  },
  reservations: {
    printer: { mac: "aa:bb:cc:00:00:01", ip: "10.60.0.20", hostname: "printer", subnet: "10.60.0.0/24", description: "printer" },
    nas: { backend: "kea", mac: "aa:bb:cc:00:00:02", ip: "192.168.1.20", hostname: "nas", subnetId: "@lan-kea.subnetId", subnet: "192.168.1.0/24" },
  },
  hosts: { "game-dns": { hostname: "game", domain: "home.arpa", address: "10.60.0.10", description: "game" } },
});

// 127.0.0.1/8 on opt9 makes bosun's own path to the API known (the simulator sees it connect from 127.0.0.1).
const run = engineSuite("26.7", { assignVlans: { "70": "10.70.0.1/24" } }, (sim) => {
  sim.store.assignInterface({ identifier: "opt1", device: "igc2", description: "LAB", addr4: "10.60.0.1/24" });
  sim.store.assignInterface({ identifier: "opt9", device: "igc3", description: "MGMT", addr4: "127.0.0.1/8" });
});

describe("OPNsense resources through the engine (26.7)", () => {
  test("create: every kind saved and made live with one apply per subsystem, each recorded with its protection", async () => {
    const { sim, stack } = run;
    await run.setCase(base());
    const preview = await stack.preview();
    expect(preview.changeSummary.create).toBe(15); // stack + 8 resources + 6 applies
    expect(run.writes()).toBe(0); // a preview changes nothing on the box

    const backupBefore = sim.store.history.latest()?.id;
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges?.create).toBe(15);
    expect(run.applies()).toEqual({ vlan: 1, alias: 1, filter: 1, kea: 1, dnsmasq: 1, unbound: 1 });
    run.expectAllLive();
    const protections = await run.protections();
    expect(protections.filter).toEqual(["config-backup", backupBefore, backupBefore, []]);
    expect(protections.dhcp).toEqual(["none", "", backupBefore, ["dnsmasq"]]);

    expect(run.only("vlans")).toMatchObject({ if: "igc1", tag: "61", descr: expect.stringMatching(/^cameras \[bosun:[0-9a-f]{12}\]$/), vlanif: "vlan01" });
    expect(run.only("aliases")).toMatchObject({ name: "game_ports", type: "port", content: "25565" });
    expect(run.only("rules")).toMatchObject({
      interface: "lan",
      protocol: "TCP",
      destination_net: "10.60.0.10",
      destination_port: "game_ports",
      action: "pass",
    });
    expect(run.only("dnsmasqRanges")).toMatchObject({ interface: "opt1", start_addr: "10.60.0.100", end_addr: "10.60.0.199" });
    expect(run.only("keaSubnets")).toMatchObject({ subnet: "192.168.1.0/24", pools: "192.168.1.100-192.168.1.150" });
    const kea = Object.keys(sim.items("keaSubnets"))[0];
    expect(run.only("keaReservations")).toMatchObject({ subnet: kea, ip_address: "192.168.1.20", hw_address: "aa:bb:cc:00:00:02", hostname: "nas" });
    expect(run.only("dnsmasqHosts")).toMatchObject({ host: "printer", ip: "10.60.0.20", hwaddr: "aa:bb:cc:00:00:01" });
    expect(run.only("hostOverrides")).toMatchObject({ hostname: "game", domain: "home.arpa", server: "10.60.0.10" });
    // DHCP is served where the ranges are: Dnsmasq now listens on opt1 too, Kea serves lan.
    expect(sim.dhcpServedOn()).toEqual({ dnsmasq: ["opt1"], kea: ["lan"] });

    const again = await stack.preview();
    expect(again.changeSummary).toEqual({ same: 15 });
    // The API secret reaches the provider through configuration only, and the
    // backend stores it encrypted: the checkpoint file never holds it in clear.
    const onDisk = readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, run.stackName)[0] ?? "", "utf8");
    expect(onDisk).toContain(KEY); // plain config is visible in the provider's inputs...
    expect(onDisk).not.toContain(SECRET); // ...the secret is not
    const providers = (JSON.parse(onDisk).checkpoint.latest.resources as { type: string; inputs: Record<string, unknown> }[]).filter(
      (r) => r.type === "pulumi:providers:pulumi-nodejs",
    );
    expect(providers).toHaveLength(1);
    expect(providers[0]!.inputs["opnsense:apiSecret"]).toMatchObject({ ciphertext: expect.any(String) });
  });

  test("update in place: same ids, new values live, one apply per touched subsystem", async () => {
    const { sim, stack } = run;
    const before = await run.ids();
    const c = base();
    c.vlans!["vlan-a"]!.description = "cameras and doorbells";
    c.aliases!.ports!.content = ["25565", "25566"];
    c.rules!["allow-game"]!.description = "allow game (java and bedrock)";
    c.ranges!["lab-dhcp"]!.end = "10.60.0.150";
    c.ranges!["lan-kea"]!.end = "192.168.1.160";
    c.reservations!.printer!.hostname = "printer2";
    c.reservations!.nas!.hostname = "nas2";
    c.hosts!["game-dns"]!.address = "10.60.0.11";
    await run.setCase(c);
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ update: 8 + 6, same: 1 }); // every resource and apply; the stack is the same
    expect(await run.ids()).toEqual(before);
    expect(run.applies()).toEqual({ vlan: 1, alias: 1, filter: 1, kea: 1, dnsmasq: 1, unbound: 1 });
    run.expectAllLive();
    expect(run.only("vlans", "live").descr).toMatch(/^cameras and doorbells \[bosun:/);
    expect(String(run.only("aliases", "live").content).split("\n").sort()).toEqual(["25565", "25566"]);
    expect(run.only("rules", "live").description).toMatch(/^allow game \(java and bedrock\) \[bosun:/);
    expect(run.only("dnsmasqRanges", "live").end_addr).toBe("10.60.0.150");
    expect(run.only("keaSubnets", "live").pools).toBe("192.168.1.100-192.168.1.160");
    expect(run.only("dnsmasqHosts", "live").host).toBe("printer2");
    expect(run.only("keaReservations", "live").hostname).toBe("nas2");
    expect(run.only("hostOverrides", "live").server).toBe("10.60.0.11");
  });

  test("replace: identity changes make new items, dependents follow, old ones are gone", async () => {
    const { sim, stack } = run;
    const before = await run.ids();
    const c = structuredClone(run.current);
    c.vlans!["vlan-a"]!.tag = 62; // parent/tag: delete the old VLAN first (same tag space)
    c.aliases!.ports!.name = "game_ports2"; // a rename: new alias, the rule follows, then the old one goes
    c.ranges!["lan-kea"]!.subnet = "192.168.1.0/25"; // a Kea subnet's network: new subnet, its reservation moves
    c.ranges!["lan-kea"]!.end = "192.168.1.120";
    c.reservations!.nas!.subnet = "192.168.1.0/25";
    await run.setCase(c);
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges?.replace).toBe(4);
    const after = await run.ids();
    for (const k of ["vlan-a", "ports", "lan-kea", "nas"]) expect(after[k], k).not.toBe(before[k]);
    for (const k of ["allow-game", "lab-dhcp", "printer", "game-dns"]) expect(after[k], k).toBe(before[k]);
    run.expectAllLive();
    expect(run.only("vlans", "live")).toMatchObject({ tag: "62", vlanif: "vlan01" });
    expect(run.only("aliases", "live").name).toBe("game_ports2");
    expect(run.only("rules", "live").destination_port).toBe("game_ports2");
    expect(run.only("keaSubnets", "live")).toMatchObject({ subnet: "192.168.1.0/25", pools: "192.168.1.100-192.168.1.120" });
    expect(run.only("keaReservations", "live").subnet).toBe(after["lan-kea"]);
  });

  test("drift: an edit on the box shows in refresh, and up puts the declared rule back", async () => {
    const { sim, stack } = run;
    const ruleId = (await run.ids())["allow-game"] as string;
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
    expect(run.only("rules", "live")).toMatchObject({ action: "pass", description: expect.stringMatching(/^allow game \(java and bedrock\) \[bosun:/) });
    expect(run.applies()).toEqual({ filter: 1 });
    expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("check errors name resource, field and rule before anything is touched", async () => {
    const { sim, stack } = run;
    const good = run.current;
    sim.resetCalls();
    await run.setCase({ ...good, vlans: { ...good.vlans, "vlan-b": { parent: "igc1", tag: 5000 } } });
    expect(await run.failure(stack.up())).toContain(
      "resource 'vlan-b': property tag value {5000} has a problem: VLAN igc1.5000: tag: must be between 1 and 4094",
    );
    await run.setCase({
      ...good,
      rules: { ...good.rules, "bad-port": { interface: "lan", protocol: "ICMP", destinationPort: "22", description: "icmp with a port" } },
    });
    expect(await run.failure(stack.up())).toContain(
      'firewall rule "icmp with a port": destinationPort: ports need protocol TCP, UDP or TCP/UDP (protocol is ICMP)',
    );
    await run.setCase({ ...good, ranges: { ...good.ranges, "lab-dhcp": { ...good.ranges!["lab-dhcp"], end: "10.61.0.10" } } });
    expect(await run.failure(stack.up())).toContain("end: 10.61.0.10 is not inside subnet 10.60.0.0/24");
    await run.setCase({ ...good, aliases: { ...good.aliases, ssh: { name: "ssh", type: "port", content: ["22"] } } });
    expect(await run.failure(stack.up())).toContain('name: "ssh" is a service or protocol name');
    expect(run.writes()).toBe(0);
    await run.setCase(good);
  });

  test("the box's own validation errors reach `pulumi up` with the input's name", async () => {
    const { sim, stack } = run;
    // A VLAN made in the UI takes the tag; a rule names an alias that does not exist.
    sim.store.mutate({ collection: "vlans", op: "add", item: { if: "igc1", tag: "63", vlanif: "vlan0.63", descr: "made by hand" } });
    const good = run.current;
    await run.setCase({ ...good, vlans: { ...good.vlans, "vlan-c": { parent: "igc1", tag: 63 } } });
    expect(await run.failure(stack.up())).toContain(
      "Vlan vlan-c **creating failed** error: VLAN igc1.63 rejected by OPNsense: tag: Tag 63 is already used on igc1.",
    );
    const toMissing = { interface: "lan", protocol: "TCP", destination: "no_such_alias", description: "to a missing alias" };
    await run.setCase({ ...good, rules: { ...good.rules, "to-missing-alias": toMissing } });
    expect(await run.failure(stack.up())).toMatch(
      /FirewallRule to-missing-alias \*\*creating failed\*\* error: firewall rule "to a missing alias" rejected by OPNsense: destination: .*no_such_alias/,
    );
    await run.setCase(good);
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
    const { sim, stack } = run;
    const c = structuredClone(run.current);
    c.hosts!["game-dns"]!.description = "game server";
    await run.setCase(c);

    await stack.setConfig("opnsense:apiSecret", { value: "not-the-secret", secret: true });
    let message = await run.failure(stack.up());
    expect(message).toContain("HTTP 401");
    expect(message).toContain("the API key/secret was rejected");
    expect(message).not.toContain("not-the-secret");
    expect(run.only("hostOverrides").description).toMatch(/^game \[bosun:/);

    await stack.setConfig("opnsense:apiSecret", { value: SECRET, secret: true });
    await stack.setConfig("opnsense:url", { value: "https://127.0.0.1:9" });
    message = await run.failure(stack.up());
    expect(message).toContain("OPNsense unreachable");
    expect(message).toContain("ECONNREFUSED");

    await stack.setConfig("opnsense:url", { value: sim.url });
    await stack.up();
    expect(run.only("hostOverrides", "live").description).toMatch(/^game server \[bosun:/);
  });

  test("a fault in the middle of an up leaves the stack refreshable and the live config untouched", async () => {
    const { sim, stack } = run;
    const liveRules = sim.items("rules", "live");
    const c = structuredClone(run.current);
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
    await run.setCase(c);
    sim.faults.add({ path: "filter/addRule", nth: 2, status: 500 });
    const message = await run.failure(stack.up());
    expect(message).toContain("HTTP 500");
    expect(message).toMatch(/holds no item marked \[bosun:[0-9a-f]{12}\], so nothing was made/);
    sim.faults.clear();
    // Saved but not applied: the filter apply never ran, so the live ruleset is as before.
    expect(sim.items("rules", "live")).toEqual(liveRules);
    expect((await stack.refresh()).summary.result).toBe("succeeded");

    sim.resetCalls();
    await stack.up();
    expect(
      Object.values(sim.items("rules", "live"))
        .map((r) => (r.description ?? "").replace(/ \[bosun:[0-9a-f]+\]$/, ""))
        .sort(),
    ).toEqual(["allow game (java and bedrock)", "web 8080", "web 8081", "web 8082"]);
    expect(run.applies()).toEqual({ filter: 1 });
    run.expectAllLive();
  });

  test("a create whose answer is lost is adopted by bosun's mark: one item, no error, no duplicate", async () => {
    const { sim, stack } = run;
    const c = structuredClone(run.current);
    c.rules!["web-8443"] = { interface: "lan", protocol: "TCP", destination: "10.60.0.10", destinationPort: "8443", sequence: 20, description: "web 8443" };
    await run.setCase(c);
    sim.faults.add({ path: "filter/addRule", phase: "after", drop: true });
    await stack.up();
    sim.faults.clear();
    const made = Object.entries(sim.items("rules")).filter(([, r]) => r.destination_port === "8443");
    expect(made).toHaveLength(1);
    expect((await run.ids())["web-8443"]).toBe(made[0]?.[0]);
    expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("lock-out: preview refuses a rule that would cut bosun off; overridden, bosun rolls the config back itself", async () => {
    const { sim, stack } = run;
    const good = structuredClone(run.current);
    const cut = { interface: "opt9", action: "reject", protocol: "TCP", description: "close the management net" };
    await run.setCase({ ...good, rules: { ...good.rules, cut } });
    const refused = await run.failure(stack.preview());
    expect(refused).toMatch(
      /firewall rule "close the management net" would reject bosun's own connection to the OPNsense API \(from 127\.0\.0\.1 on interface opt9/,
    );

    const backupBefore = sim.store.history.latest()?.id;
    const liveRules = sim.items("rules", "live");
    await stack.setConfig("opnsense:allowLockout", { value: "true" });
    const message = await run.failure(stack.up());
    expect(message).toContain(`bosun reverted the whole config to backup ${backupBefore}`);
    expect(sim.refused().length).toBeGreaterThan(0);
    expect(sim.items("rules", "live")).toEqual(liveRules);
    expect(Object.values(sim.items("rules")).some((r) => (r.description ?? "").startsWith("close the management net"))).toBe(false);

    await stack.setConfig("opnsense:allowLockout", { value: "false" });
    await run.setCase(good);
    expect((await stack.refresh()).summary.result).toBe("succeeded");
    await stack.up();
    expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("a new segment under `up --plan`: VLAN, assignment through the API, DHCP served on its new interface", async () => {
    const { sim, stack } = run;
    const c = structuredClone(run.current);
    c.vlans!.iot = { parent: "igc1", tag: 70, description: "iot" };
    c.assignments = { "iot-if": { device: "@iot.device", address: "10.70.0.1/24", description: "iot" } };
    c.ranges!["iot-dhcp"] = { interface: "@iot-if.identifier", subnet: "10.70.0.0/24", start: "10.70.0.100", end: "10.70.0.199" };
    c.rules!["iot-dns"] = {
      interface: "@iot-if.identifier",
      protocol: "UDP",
      destination: "10.70.0.1",
      destinationPort: "53",
      sequence: 100,
      description: "iot dns",
    };
    await run.setCase(c);
    // The plan holds the checked inputs of the preview; the update must match them (interface and server unknown until then).
    const plan = join(mkdtempSync(join(tmpdir(), "opn-plan-")), "plan.json");
    await stack.preview({ plan });
    await stack.up({ plan });
    const assigned = sim.store.state.interfaces.opt2;
    expect(assigned).toMatchObject({ device: "vlan02", addr4: "10.70.0.1/24", enabled: "1" });
    expect(
      Object.values(sim.items("dnsmasqRanges", "live"))
        .map((r) => r.interface)
        .sort(),
    ).toEqual(["opt1", "opt2"]);
    expect(sim.dhcpServedOn().dnsmasq).toEqual(["opt1", "opt2"]);
    expect(Object.values(sim.items("rules", "live")).some((r) => r.interface === "opt2" && r.destination_port === "53")).toBe(true);
    expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("delete: destroy removes every item, unassigns through the API, each subsystem applied, nothing left live", async () => {
    const { sim, stack } = run;
    sim.resetCalls();
    await stack.destroy();
    for (const c of ["aliases", "rules", "keaSubnets", "keaReservations", "dnsmasqRanges", "dnsmasqHosts", "hostOverrides"]) {
      expect(sim.items(c, "saved"), c).toEqual({});
      expect(sim.items(c, "live"), c).toEqual({});
    }
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["63"]); // only the hand-made one
    expect(Object.keys(sim.store.state.interfaces).sort()).toEqual(["lan", "opt1", "opt9", "wan"]);
    expect(sim.store.state.dnsmasqGeneral.interface).toBe("lan"); // bosun's additions taken out again
    expect(Object.keys(run.applies()).sort()).toEqual(["alias", "assignment", "dnsmasq", "filter", "kea", "unbound", "vlan"]);
  });
});
