// State written before the one-line stored provider (kit/provider.ts) holds
// the serialized closure that imports the implementation by absolute path.
// Through the real engine against the simulator (26.7): resources made that way
// show no change under the current program, refresh and delete through the old
// closure (the engine uses the stored outputs' provider for both), and an
// update stores the new one-line provider.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { checkpointPaths } from "../../../test/support/test-stack.ts";
import { vlanProvider } from "../resources/index.ts";
import { PROJECT, engineSuite } from "./engine-harness.ts";

const run = engineSuite("26.7");

/** The stored `__provider` of a VLAN's inputs and outputs. */
function storedProviders(name: string): { inputs: string; outputs: string } {
  const file = checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, run.stackName)[0] ?? "";
  const resources = JSON.parse(readFileSync(file, "utf8")).checkpoint.latest.resources as {
    urn: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  }[];
  const r = resources.find((x) => x.urn.endsWith(`::${name}`));
  if (!r) throw new Error(`${name} is not in the checkpoint`);
  return { inputs: String(r.inputs["__provider"]), outputs: String(r.outputs["__provider"]) };
}

const isClosure = (text: string) => text.includes("with({") && /"\/[^"]+\/providers\/opnsense-dynamic\/resources\/vlan-impl\.ts"/.test(text);

describe("state with the old provider closure", () => {
  test("is unchanged under the current program, refreshes, updates to the new provider and deletes", async () => {
    const { sim, stack } = run;
    const vlans = { keep: { parent: "igc1", tag: 81, description: "kept" }, gone: { parent: "igc1", tag: 82, description: "removed later" } };
    await run.setCase({ vlans, legacy: ["keep", "gone"] });
    await stack.up();
    expect(isClosure(storedProviders("keep").outputs)).toBe(true);
    expect(Object.keys(sim.items("vlans", "live"))).toHaveLength(2);

    // The current program: the new provider in the inputs, nothing to change on the box.
    await run.setCase({ vlans });
    expect((await stack.preview()).changeSummary).toEqual({ same: 4 }); // stack, 2 VLANs, their apply
    await stack.up();
    expect(storedProviders("keep")).toEqual({ inputs: vlanProvider.text, outputs: expect.stringContaining("with({") });

    // Refresh reads through the closure stored in the outputs.
    const vlanId = Object.entries(sim.items("vlans")).find(([, v]) => String(v.tag) === "81")?.[0] ?? "";
    sim.store.mutate({ collection: "vlans", op: "set", uuid: vlanId, item: { descr: "edited on the box" } });
    const refreshed = await stack.refresh();
    expect(refreshed.summary.resourceChanges).toMatchObject({ update: 1 });

    // An update stores the one-line provider in the outputs too.
    await run.setCase({ vlans: { ...vlans, keep: { ...vlans.keep, description: "kept, renamed" } } });
    await stack.up();
    expect(storedProviders("keep")).toEqual({ inputs: vlanProvider.text, outputs: vlanProvider.text });

    // A resource the program no longer declares is deleted through its old closure.
    expect(isClosure(storedProviders("gone").outputs)).toBe(true);
    await run.setCase({ vlans: { keep: { ...vlans.keep, description: "kept, renamed" } } });
    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ delete: 1 });
    expect(Object.values(sim.items("vlans", "live")).map((v) => String(v.tag))).toEqual(["81"]);
  });
});
