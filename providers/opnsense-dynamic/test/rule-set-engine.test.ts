// FirewallRuleSet through the real Pulumi engine (the CLI from scripts/setup.sh,
// bosun's language host, the dynamic-provider plugin) against the simulator
// playing 26.7: one resource holds an owner's rules, each still its own item on
// the box; create, per-rule update (change, add, remove, move to another
// interface), drift repaired after refresh, a write refused half-way through
// an update (recorded, finished by the next up, no duplicates), and destroy,
// each made live by one protected filter apply.
import { describe, expect, test } from "vitest";
import type { Case } from "./program/case.ts";
import { engineSuite } from "./engine-harness.ts";

const run = engineSuite("26.7", {}, (sim) => {
  sim.store.assignInterface({ identifier: "opt1", device: "igc2", description: "LAB", addr4: "10.60.0.1/24" });
});

const rule = (port: string, extra: Record<string, unknown> = {}) => ({
  interface: "lan",
  protocol: "TCP",
  destination: "10.60.0.10",
  destinationPort: port,
  sequence: 20,
  description: `web ${port}`,
  ...extra,
});
const withRules = (rules: Record<string, unknown>): Case => ({ ruleSets: { "web-rules": { owner: "web", rules } } });
const described = (view: "saved" | "live") =>
  Object.values(run.sim.items("rules", view))
    .map((r) => `${r.interface} ${r.destination_port} ${(r.description ?? "").replace(/ \[bosun:[0-9a-f]+\]$/, "")}`)
    .sort();

describe("FirewallRuleSet through the engine (26.7)", () => {
  test("create: one resource, every rule saved with its own mark and made live by one protected apply", async () => {
    const { sim, stack } = run;
    await run.setCase(withRules({ "80-tcp": rule("80"), "443-tcp": rule("443"), "8080-tcp": rule("8080") }));
    const backupBefore = sim.store.history.latest()?.id;
    sim.resetCalls();
    const up = await stack.up();
    expect(up.summary.resourceChanges).toEqual({ create: 3 }); // stack, the set, the filter apply
    expect(described("live")).toEqual(["lan 443 web 443", "lan 80 web 80", "lan 8080 web 8080"]);
    expect(new Set(Object.values(sim.items("rules")).map((r) => /\[bosun:([0-9a-f]{12})\]$/.exec(r.description ?? "")?.[1])).size).toBe(3);
    expect(run.applies()).toEqual({ filter: 1 });
    expect((await run.protections()).filter).toEqual(["config-backup", backupBefore, backupBefore, []]);
    expect((await stack.preview()).changeSummary).toEqual({ same: 3 });
  });

  test("update: a change, an addition, a removal and a move to another interface in one update and one apply", async () => {
    const { sim, stack } = run;
    const before = sim.items("rules");
    const kept = Object.keys(before).find((k) => before[k]?.destination_port === "443");
    await run.setCase(withRules({ "80-tcp": rule("80", { interface: "opt1" }), "443-tcp": rule("443", { description: "tls" }), "9090-tcp": rule("9090") }));
    const preview = await stack.preview();
    expect(preview.changeSummary).toEqual({ update: 2, same: 1 }); // the set and the filter apply
    sim.resetCalls();
    await stack.up();
    expect(described("live")).toEqual(["lan 443 tls", "lan 9090 web 9090", "opt1 80 web 80"]);
    expect(sim.items("rules")[kept ?? ""]?.description).toMatch(/^tls \[bosun:/); // changed in place
    expect(run.applies()).toEqual({ filter: 1 });
    run.expectAllLive();
    expect((await stack.preview()).changeSummary).toEqual({ same: 3 });
  });

  test("drift: a rule edited and one deleted on the box show in refresh; up puts both back", async () => {
    const { sim, stack } = run;
    const [edited, deleted] = Object.entries(sim.items("rules")).sort(([, a], [, b]) => String(a.destination_port).localeCompare(String(b.destination_port)));
    sim.store.mutate({ collection: "rules", op: "set", uuid: edited?.[0] ?? "", item: { action: "block" } });
    sim.store.mutate({ collection: "rules", op: "delete", uuid: deleted?.[0] ?? "" });
    expect((await stack.refresh()).summary.resourceChanges).toMatchObject({ update: 1 });
    sim.resetCalls();
    await stack.up();
    expect(described("live")).toEqual(["lan 443 tls", "lan 9090 web 9090", "opt1 80 web 80"]);
    expect(Object.values(sim.items("rules", "live")).every((r) => r.action === "pass")).toBe(true);
    expect(run.applies()).toEqual({ filter: 1 });
  });

  test("a write refused half-way through an update is recorded; the next up finishes it without duplicates", async () => {
    const { sim, stack } = run;
    const live = sim.items("rules", "live");
    const c = withRules({ "80-tcp": rule("80", { interface: "opt1" }), "443-tcp": rule("443", { description: "tls" }), "9090-tcp": rule("9090") });
    const rules = c.ruleSets?.["web-rules"]?.rules as Record<string, unknown>;
    await run.setCase(withRules({ ...rules, "81-tcp": rule("81"), "82-tcp": rule("82", { destination: "no_such_alias" }), "83-tcp": rule("83") }));
    const message = await run.failure(stack.up());
    expect(message).toMatch(/firewall rule "web 82" \(web-rule-82-tcp\) rejected by OPNsense: destination: .*no_such_alias/);
    expect(sim.items("rules", "live")).toEqual(live); // saved only: the apply did not run
    await run.setCase(withRules({ ...rules, "81-tcp": rule("81"), "82-tcp": rule("82"), "83-tcp": rule("83") }));
    await stack.up();
    expect(described("live")).toEqual(["lan 443 tls", "lan 81 web 81", "lan 82 web 82", "lan 83 web 83", "lan 9090 web 9090", "opt1 80 web 80"]);
    expect((await stack.preview()).changeSummary).toEqual({ same: 3 });
  });

  test("destroy removes every rule and applies the filter once", async () => {
    const { sim, stack } = run;
    sim.resetCalls();
    await stack.destroy();
    expect(sim.items("rules")).toEqual({});
    expect(sim.items("rules", "live")).toEqual({});
    expect(run.applies()).toEqual({ filter: 1 });
  });
});
