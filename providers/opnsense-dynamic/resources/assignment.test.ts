// InterfaceAssignment, called as the dynamic-provider process calls it,
// against the simulator (it stands in for OPNsense, which cannot run here):
// the checked manual step before 26.7 and the assignment API on 26.7.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { KEY, SECRET, sim } from "../test/helpers.ts";
import type { Simulator } from "../simulator/server.ts";
import { getClient, setConnection } from "./connection.ts";
import { resetApplyState } from "./apply.ts";
import * as vlan from "./vlan-impl.ts";
import * as apply from "./service-apply-impl.ts";
import * as assignment from "./interface-assignment-impl.ts";

let s: Simulator;
let s26: Simulator;
const P = (v: unknown) => v as Record<string, unknown>;
const getClientForTest = () => getClient();

beforeAll(async () => {
  s = await sim();
  s26 = await sim({ version: "26.1" });
});
afterAll(async () => {
  setConnection(null);
  await s.stop();
  await s26.stop();
});
function use(target: Simulator): void {
  target.store.reset();
  resetApplyState();
  setConnection({ url: target.url, apiKey: KEY, apiSecret: SECRET, caPem: target.caPem, retryBaseMs: 5 });
}
beforeEach(() => use(s));

/** check() then create(), as the engine does. */
async function make(
  m: { check: typeof vlan.check; create: (p: Record<string, unknown>) => Promise<{ id: string; outs: unknown }> },
  news: Record<string, unknown>,
) {
  const checked = await m.check({}, news);
  expect(checked.failures).toEqual([]);
  return m.create({ ...checked.inputs, __provider: "serialized" });
}

describe("interface assignment before 26.7 (a manual step)", () => {
  beforeEach(() => use(s26));

  test("missing assignment fails with the exact UI steps; present one yields the key", async () => {
    const inputs = { device: "vlan0.20", address: "10.20.0.1/24", description: "iot", hint: "igc1, tag 20" };
    const err = (await make(assignment, inputs).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(assignment.InterfaceNotAssignedError);
    expect(err.message).toContain('Interfaces → Assignments: under "Assign a new interface", pick vlan0.20 (igc1, tag 20), description "iot"');
    expect(err.message).toContain("IPv4 address 10.20.0.1/24");
    s26.store.assignInterface({ identifier: "opt3", device: "vlan0.20", description: "iot", addr4: "10.20.0.1/24" });
    const { outs } = await make(assignment, inputs);
    expect(outs).toMatchObject({ identifier: "opt3", address: "10.20.0.1/24" });
    s26.store.assignInterface({ identifier: "opt3", device: "vlan0.20", description: "iot", addr4: "10.99.0.1/24" });
    await expect(make(assignment, inputs)).rejects.toThrow(/has address "10.99.0.1\/24", the spec expects 10.20.0.1\/24/);
  });

  test("a subnet that overlaps another interface's network is refused before the UI steps", async () => {
    // The simulator's LAN is igc1 = 192.168.1.1/24.
    const inputs = { device: "vlan0.20", address: "192.168.1.129/25", description: "iot" };
    await expect(make(assignment, inputs)).rejects.toThrow(
      "address: 192.168.1.129/25 must not overlap another interface's network: lan (igc1) has 192.168.1.1/24.",
    );
    await expect(make(assignment, { ...inputs, address: "192.168.2.1/24" })).rejects.toThrow(/is not assigned as an OPNsense interface/);
  });

  test("an unassigned device listed by the box does not count as assigned", async () => {
    const v = await make(vlan, { parent: "igc1", tag: 20 });
    await make(apply, { subsystem: "vlan", trigger: "v1" });
    const device = (v.outs as { device: string }).device;
    expect((await getClientForTest().interfaces()).find((i) => i.device === device)?.identifier).toBe("");
    await expect(make(assignment, { device, address: "10.20.0.1/24" })).rejects.toThrow(/is not assigned as an OPNsense interface/);
  });
});

describe("interface assignment on 26.7 (the API)", () => {
  test("assigns the VLAN as the next optN; the address is left to the person, with only that step to do", async () => {
    const v = await make(vlan, { parent: "igc1", tag: 20 });
    const device = (v.outs as { device: string }).device;
    await make(apply, { subsystem: "vlan", trigger: "v1" });
    await expect(make(assignment, { device, address: "10.20.0.1/24", description: "iot" })).rejects.toThrow(
      /bosun assigned vlan01 as interface opt1; OPNsense's API cannot enable it or set its address[\s\S]*Interfaces → \[iot\]: tick "Enable Interface"/,
    );
    // The person does step 2; the next run finds it and goes on.
    s.store.assignInterface({ identifier: "opt1", device, description: "iot", addr4: "10.20.0.1/24" });
    const a = await make(assignment, { device, address: "10.20.0.1/24", description: "iot" });
    expect(a.outs).toMatchObject({ identifier: "opt1", address: "10.20.0.1/24", managed: true });
    await assignment.remove(a.id, P(a.outs));
    expect((await getClientForTest().assignedInterfaces()).map((i) => i.identifier)).toEqual(["wan", "lan"]);
    await vlan.remove(v.id, P(v.outs));
    expect(s.items("vlans")).toEqual({});
  });

  test("with the simulated person, one run assigns and configures it", async () => {
    const person = await sim({ assignVlans: { "30": "10.30.0.1/24" } });
    setConnection({ url: person.url, apiKey: KEY, apiSecret: SECRET, caPem: person.caPem, retryBaseMs: 5 });
    const v = await make(vlan, { parent: "igc1", tag: 30 });
    const a = await make(assignment, { device: (v.outs as { device: string }).device, address: "10.30.0.1/24", identifier: "opt1" });
    expect(a.outs).toMatchObject({ identifier: "opt1", address: "10.30.0.1/24", managed: true });
    await person.stop();
  });
});
