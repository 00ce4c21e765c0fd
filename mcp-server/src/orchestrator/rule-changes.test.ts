// A FirewallRuleSet step reads as the steps of its rules: each named
// `<owner>-rule-<key>` with the FirewallRule type and URN, its own op (a rule
// removed from the set is a delete, a moved one a replace), counted per rule
// and shown in the plan text. Engine events are built here the way the engine
// sends them (step metadata with old outputs and new inputs); the real engine
// path is covered by the orchestrator suite.
import { describe, expect, it } from "vitest";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation/index.js";
import { countChanges, createChangeCollector, createProgress, planText } from "./changes.ts";
import type { ProgressEvent } from "./types.ts";

const SET = "pulumi-nodejs:dynamic/opnsense:FirewallRuleSet";
const setUrn = "urn:pulumi:demo::bosun::bosun:index:NetworkSegment$pulumi-nodejs:dynamic/opnsense:FirewallRuleSet::gaming-rules";
const segUrn = "urn:pulumi:demo::bosun::bosun:index:NetworkSegment::gaming";
const dns = {
  interface: ["opt3"],
  action: "pass",
  protocol: "UDP",
  source: "10.20.0.0/24",
  destination: "(self)",
  destinationPort: "53",
  description: "gaming: DNS",
};
const mc = { interface: ["opt3"], action: "pass", protocol: "TCP", source: "lan", destination: "10.20.0.10", destinationPort: "25565", description: "mc" };

function step(op: StepEventMetadata["op"], olds: Record<string, unknown> | undefined, news: Record<string, unknown> | undefined): StepEventMetadata {
  const state = (rules: Record<string, unknown>, uuids: boolean) => ({
    type: SET,
    urn: setUrn,
    id: "rules-1",
    parent: segUrn,
    provider: "",
    inputs: { owner: "gaming", rules, __provider: "handler" },
    outputs: { owner: "gaming", rules: uuids ? Object.fromEntries(Object.entries(rules).map(([k, r]) => [k, { ...(r as object), uuid: `u-${k}` }])) : rules },
  });
  return {
    op,
    urn: setUrn,
    type: SET,
    provider: "",
    ...(olds ? { old: state(olds, true) } : {}),
    ...(news ? { new: state(news, false) } : {}),
  } as StepEventMetadata;
}
const pre = (metadata: StepEventMetadata) => ({ resourcePreEvent: { metadata } }) as unknown as EngineEvent;
const outputs = (metadata: StepEventMetadata) => ({ resOutputsEvent: { metadata } }) as unknown as EngineEvent;

function collect(...metas: StepEventMetadata[]) {
  const c = createChangeCollector();
  for (const m of metas) c.onEvent(pre(m));
  return c.changes();
}

describe("a FirewallRuleSet step in the plan", () => {
  it("a new set is one create per rule, named and typed as the rule's own resource", () => {
    const changes = collect(step("create", undefined, { "dns-udp": dns, "25565-tcp-from-lan": mc }));
    expect(changes.map((c) => [c.op, c.name, c.type, c.urn])).toEqual([
      [
        "create",
        "gaming-rule-dns-udp",
        "pulumi-nodejs:dynamic/opnsense:FirewallRule",
        "urn:pulumi:demo::bosun::bosun:index:NetworkSegment$pulumi-nodejs:dynamic/opnsense:FirewallRule::gaming-rule-dns-udp",
      ],
      ["create", "gaming-rule-25565-tcp-from-lan", "pulumi-nodejs:dynamic/opnsense:FirewallRule", expect.stringMatching(/::gaming-rule-25565-tcp-from-lan$/)],
    ]);
    expect(changes[1]).toMatchObject({ fields: { destinationPort: "25565", source: "lan" }, parent: segUrn });
    expect(countChanges(changes)).toEqual({ create: 2, update: 0, replace: 0, delete: 0, same: 0 });
  });

  it("an updated set shows each rule's own step: added, changed, moved, removed, unchanged", () => {
    const changes = collect(
      step(
        "update",
        { "dns-udp": dns, "25565-tcp-from-lan": mc, old: { ...mc, destinationPort: "8080" }, kept: { ...mc, destinationPort: "22" } },
        {
          "dns-udp": { ...dns, interface: ["opt4"] },
          "25565-tcp-from-lan": { ...mc, description: "minecraft" },
          new: { ...mc, destinationPort: "25566" },
          kept: { ...mc, destinationPort: "22" },
        },
      ),
    );
    expect(changes.map((c) => `${c.op} ${c.name} ${c.diff.join(",")}`.trim())).toEqual([
      "replace gaming-rule-dns-udp interface",
      "update gaming-rule-25565-tcp-from-lan description",
      "create gaming-rule-new",
      "same gaming-rule-kept",
      "delete gaming-rule-old",
    ]);
    expect(changes[0]?.replaceReason).toBe("changing interface requires a new rule");
    expect(changes[4]?.fields).toMatchObject({ destinationPort: "8080" });
    const text = planText(changes, countChanges(changes));
    expect(text).toContain("1 to create, 1 to update, 1 to replace, 1 to delete, 1 unchanged");
    expect(text).toMatch(/- delete {2}gaming-rule-old \[pulumi-nodejs:dynamic\/opnsense:FirewallRule\] .*destinationPort="8080"/);
    expect(text).toMatch(/~ update {2}gaming-rule-25565-tcp-from-lan .*\(changes description\)/);
  });

  it("a removed set deletes every rule; an unchanged one leaves every rule the same", () => {
    expect(collect(step("delete", { "dns-udp": dns, "25565-tcp-from-lan": mc }, undefined)).map((c) => `${c.op} ${c.name}`)).toEqual([
      "delete gaming-rule-dns-udp",
      "delete gaming-rule-25565-tcp-from-lan",
    ]);
    expect(collect(step("same", { "dns-udp": dns }, { "dns-udp": dns })).map((c) => `${c.op} ${c.name}`)).toEqual(["same gaming-rule-dns-udp"]);
  });

  it("a set made anew (a kept rule's interface is being replaced) replaces each kept rule", () => {
    const changes = collect(
      step("replace", { "dns-udp": dns, old: mc }, { "dns-udp": { ...dns, interface: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, new: mc }),
    );
    expect(changes.map((c) => `${c.op} ${c.name}`)).toEqual(["replace gaming-rule-dns-udp", "create gaming-rule-new", "delete gaming-rule-old"]);
    expect(changes[0]?.fields["interface"]).toBe("(known after apply)");
  });

  it("progress counts the rules a set's step changed", () => {
    const seen: ProgressEvent[] = [];
    const progress = createProgress("d1", 3, (e) => seen.push(e));
    const meta = step("update", { a: dns, b: mc }, { a: { ...dns, description: "x" }, b: mc, c: mc });
    progress(pre(meta));
    progress(outputs(meta));
    expect(seen.map((e) => `${e.kind} ${e.done}/${e.total}`)).toEqual(["resource-pre 0/3", "resource-outputs 2/3"]);
  });
});
