// The focused engine tests every older release runs (26.7 runs the full
// matrix in engine.test.ts): a new segment under `up --plan` with DHCP served
// on its interface, update and drift, the release's own refusal at preview, a
// rule that cuts bosun off (overridden guard: bosun reverts at once), a create
// whose answer is lost, and destroy. Each engine-<release>.test.ts calls it.
import { describe, expect, test } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Args, Case } from "./program/case.ts";
import { engineSuite } from "./engine-harness.ts";

export interface ReleaseExpectations {
  /** The DHCP server "auto" picks on this release. */
  server: "kea" | "dnsmasq";
  /** A rule this release refuses at preview, and the message. */
  refused: { rule: Args; message: RegExp };
}

const segment = (): Case => ({
  vlans: { seg: { parent: "igc1", tag: 20, description: "games" } },
  assignments: { "seg-if": { device: "@seg.device", address: "10.20.0.1/24", description: "games", hint: "igc1, tag 20" } },
  ranges: { "seg-dhcp": { interface: "@seg-if.identifier", subnet: "10.20.0.0/24", start: "10.20.0.100", end: "10.20.0.199", enableService: true } },
  aliases: { ports: { name: "mc_ports", type: "port", content: ["25565"] } },
  rules: {
    "allow-mc": {
      interface: "@seg-if.identifier",
      protocol: "TCP",
      destination: "10.20.0.10",
      destinationPort: "@ports.name",
      sequence: 200,
      description: "minecraft",
    },
  },
  hosts: { mc: { hostname: "minecraft", domain: "home.arpa", address: "10.20.0.10" } },
});

export function releaseSuite(version: string, want: ReleaseExpectations): void {
  // The simulated person assigns VLAN 20 (a UI step on these releases); opt9 holds 127.0.0.1, bosun's own path to the API.
  const run = engineSuite(version, { assignVlans: { "20": "10.20.0.1/24" }, rollbackSeconds: 30 }, (sim) => {
    sim.store.assignInterface({ identifier: "opt9", device: "igc3", description: "MGMT", addr4: "127.0.0.1/8" });
  });

  describe(`OPNsense ${version} through the engine`, () => {
    test("a new segment under `up --plan`: DHCP served on its interface, filter apply protected by a savepoint", async () => {
      const { sim, stack } = run;
      await run.setCase(segment());
      const plan = join(mkdtempSync(join(tmpdir(), "opn-plan-")), "plan.json");
      await stack.preview({ plan });
      expect(run.writes()).toBe(0);
      const up = await stack.up({ plan });
      expect(up.summary.resourceChanges?.create).toBe(12); // stack + 6 resources + 5 applies
      run.expectAllLive();
      const iface = Object.values(sim.store.state.interfaces).find((i) => i.addr4 === "10.20.0.1/24")?.identifier as string;
      expect(iface).toMatch(/^opt\d+$/);
      expect(sim.dhcpServedOn()[want.server]).toEqual([iface]);
      const [protection, revision] = (await run.protections()).filter ?? [];
      expect(protection).toBe("savepoint");
      expect(sim.store.history.byRevision(revision ?? "")).toBeDefined();
      expect(sim.store.pendingRollbacks()).toEqual([]);
      expect((await run.protections()).dhcp?.[3]).toEqual([want.server]);
      expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
    });

    test("update and drift: changes land in place, an edit on the box is found by refresh and put back", async () => {
      const { sim, stack } = run;
      const c = structuredClone(run.current);
      c.aliases!.ports!.content = ["25566", "25565"];
      c.rules!["allow-mc"]!.description = "minecraft java";
      await run.setCase(c);
      const before = await run.ids();
      await stack.up();
      expect(await run.ids()).toEqual(before);
      expect(run.only("rules", "live").description).toMatch(/^minecraft java \[bosun:/);
      // Port aliases come back sorted; the declared order is kept, so no change shows.
      expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
      sim.store.mutate({ collection: "rules", op: "set", uuid: before["allow-mc"], item: { action: "block" } });
      expect((await stack.refresh()).summary.resourceChanges?.update).toBe(1);
      sim.resetCalls();
      await stack.up();
      expect(run.only("rules", "live").action).toBe("pass");
      expect(run.applies()).toMatchObject({ filter: 1 });
    });

    test("what this release refuses is refused at preview, naming the input", async () => {
      const { sim, stack } = run;
      const good = run.current;
      sim.resetCalls();
      await run.setCase({ ...good, rules: { ...good.rules, refused: want.refused.rule } });
      try {
        expect(await run.failure(stack.preview())).toMatch(want.refused.message);
        expect(run.writes()).toBe(0);
      } finally {
        await run.setCase(good);
      }
    });

    test("a rule that cuts bosun off (guard overridden): bosun reverts it at once over its open connection", async () => {
      const { sim, stack } = run;
      const good = structuredClone(run.current);
      const live = sim.items("rules", "live");
      await run.setCase({ ...good, rules: { ...good.rules, cut: { interface: "opt9", action: "reject", protocol: "TCP", description: "cut" } } });
      await stack.setConfig("opnsense:allowLockout", { value: "true" });
      try {
        expect(await run.failure(stack.up())).toMatch(/bosun reverted the rules to savepoint [\d.]+ over its still-open connection/);
        expect(sim.items("rules", "live")).toEqual(live);
        expect(sim.store.pendingRollbacks()).toEqual([]); // bosun freed the box's one timer slot
      } finally {
        await stack.setConfig("opnsense:allowLockout", { value: "false" });
        await run.setCase(good);
      }
      await stack.refresh();
      await stack.up();
      expect((await stack.preview()).changeSummary.update ?? 0).toBe(0);
    });

    test("a create whose answer is lost is adopted by bosun's mark", async () => {
      const { sim, stack } = run;
      const c = structuredClone(run.current);
      c.aliases!.more = { name: "more_ports", type: "port", content: ["8080"] };
      await run.setCase(c);
      sim.faults.add({ path: "alias/addItem", phase: "after", drop: true });
      await stack.up();
      sim.faults.clear();
      expect(Object.values(sim.items("aliases")).filter((a) => a.name === "more_ports")).toHaveLength(1);
    });

    test("destroy removes everything bosun made", async () => {
      const { sim, stack } = run;
      await stack.destroy();
      for (const c of ["vlans", "aliases", "rules", "keaSubnets", "dnsmasqRanges", "hostOverrides"]) expect(sim.items(c, "live"), c).toEqual({});
      expect(Object.keys(sim.store.state.interfaces).sort()).toEqual(["lan", "opt9", "wan"]);
    });
  });
}
