// What the simulator CLI takes from a stack: the demo stack's simulator port
// (so the README's terminal recipe gets the demo credentials) and the VLAN
// assignments a person would make, read from the real stack file.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { simulatorStackOn, stackAssignments, stackSimulatorPort } from "./stack-settings.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));

describe("stack settings", () => {
  test("the demo stack points at the simulator on 127.0.0.1:18443; an unknown stack at nothing", () => {
    expect(stackSimulatorPort(root, "demo")).toBe(18443);
    expect(stackSimulatorPort(root, "no-such-stack")).toBeUndefined();
    expect(simulatorStackOn(root, 18443)).toBe("demo");
    expect(simulatorStackOn(root, 18444)).toBeUndefined();
  });

  test("the demo's networks become VLAN tag → gateway/prefix, the gateway defaulting to the first host", () => {
    expect(stackAssignments(readFileSync(`${root}stacks/Pulumi.demo.yaml`, "utf8"))).toEqual({ "20": "10.20.0.1/24" });
    const yaml =
      'config:\n  bosun:spec:\n    networks:\n      a: { vlan: 30, subnet: 10.30.0.0/23, gateway: 10.30.1.254 }\n      b: { vlan: "x", subnet: 10.1.0.0/24 }\n';
    expect(stackAssignments(yaml)).toEqual({ "30": "10.30.1.254/23" });
  });
});
