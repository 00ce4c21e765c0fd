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
  test("assigns the VLAN as the next optN, enabled with its static address, in one run; delete unassigns it so the VLAN can go", async () => {
    const v = await make(vlan, { parent: "igc1", tag: 20 });
    const device = (v.outs as { device: string }).device;
    await make(apply, { subsystem: "vlan", trigger: "v1" });
    s.resetCalls();
    const a = await make(assignment, { device, address: "10.20.0.1/24", description: "iot" });
    expect(a.outs).toMatchObject({ identifier: "opt1", address: "10.20.0.1/24", managed: true });
    // One item carries the device, its description and its address; one reconfigure makes it live.
    expect(s.calls().byPath["POST /api/interfaces/assignment/addItem"]).toBe(1);
    expect(s.calls().byPath["POST /api/interfaces/assignment/reconfigure"]).toBe(1);
    expect(await getClientForTest().assignments.get("opt1")).toMatchObject({
      if: device,
      descr: "iot",
      enable: "1",
      type4: "staticv4",
      ipaddr: "10.20.0.1/24",
    });
    const live = (await getClientForTest().assignedInterfaces()).find((i) => i.identifier === "opt1");
    expect(live).toMatchObject({ device, addr4: "10.20.0.1/24" });
    await assignment.remove(a.id, P(a.outs));
    expect((await getClientForTest().assignedInterfaces()).map((i) => i.identifier)).toEqual(["wan", "lan"]);
    await vlan.remove(v.id, P(v.outs));
    expect(s.items("vlans")).toEqual({});
  });

  test("a failure after the add undoes the assignment, so the VLAN it holds can still be rolled back", async () => {
    const v = await make(vlan, { parent: "igc1", tag: 21 });
    const device = (v.outs as { device: string }).device;
    await make(apply, { subsystem: "vlan", trigger: "v1" });
    // The box assigns, but its answer to the listing that checks the result is an error.
    s.faults.add({ path: "/api/interfaces/overview/interfacesInfo", nth: 2, status: 500, body: { errorMessage: "injected fault", errorTitle: "Error" } });
    await expect(make(assignment, { device, address: "10.21.0.1/24", description: "iot" })).rejects.toThrow();
    s.faults.clear();
    expect((await getClientForTest().assignedInterfaces()).map((i) => i.identifier)).toEqual(["wan", "lan"]);
    await vlan.remove(v.id, P(v.outs)); // an assigned VLAN could not be deleted
    expect(s.items("vlans")).toEqual({});
  });

  test("a lost answer to the add: the device's new assignment is adopted, not made twice", async () => {
    const v = await make(vlan, { parent: "igc1", tag: 23 });
    const device = (v.outs as { device: string }).device;
    await make(apply, { subsystem: "vlan", trigger: "v1" });
    s.faults.add({ path: "/api/interfaces/assignment/addItem", nth: 1, drop: true, phase: "after" });
    const a = await make(assignment, { device, address: "10.23.0.1/24", description: "iot" });
    s.faults.clear();
    expect(a.outs).toMatchObject({ identifier: "opt1", address: "10.23.0.1/24", managed: true });
    expect((await getClientForTest().assignedInterfaces()).filter((i) => i.device === device).map((i) => i.identifier)).toEqual(["opt1"]);
  });

  test("an assignment without an address (made by hand) gets its address through the API", async () => {
    const v = await make(vlan, { parent: "igc1", tag: 24 });
    const device = (v.outs as { device: string }).device;
    await make(apply, { subsystem: "vlan", trigger: "v1" });
    s.store.assignInterface({ identifier: "opt2", device, description: "iot", addr4: "" });
    const a = await make(assignment, { device, address: "10.24.0.1/24", description: "iot" });
    expect(a.outs).toMatchObject({ identifier: "opt2", address: "10.24.0.1/24" });
    expect((await getClientForTest().assignedInterfaces()).find((i) => i.identifier === "opt2")?.addr4).toBe("10.24.0.1/24");
  });
});
