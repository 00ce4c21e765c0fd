// What `apply` leans on: Pulumi's update plans (`preview --save-plan`, `up
// --plan`, hidden flags in 3.259) hold with bosun's dynamic providers, so the
// engine itself refuses a step the preview did not show. Real engine and
// program; the OPNsense simulator (no box runs here) and the real Docker engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, type TestStack } from "../../../test/support/test-stack.ts";

const spec = (description: string) => ({ version: 1, networks: { lab: { vlan: 57, subnet: "10.57.0.0/24", description } } });

let sim: Simulator;
let t: TestStack;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "plan-key", apiSecret: "plan-secret", assignVlans: { "57": "10.57.0.1/24" } });
  t = await createTestStack("engplan", sim);
  dir = mkdtempSync(join(tmpdir(), "bosun-engine-plan-"));
});

afterAll(async () => {
  await t?.remove();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("engine update plans with bosun's providers", () => {
  it("refuses an up whose program asks for something the saved plan does not have, and changes nothing", async () => {
    const planFile = join(dir, "approved.json");
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify(spec("approved")) });
    await t.stack.preview({ plan: planFile });
    // Between the approval and the apply, the program's outcome changes.
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify(spec("not approved")) });
    const err = await t.stack.up({ plan: planFile }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/violates plan/);
    expect(err?.message).toContain("description");
    // Nothing of the unapproved outcome reached the box (its description carries bosun's mark after the text).
    expect(Object.values(sim.items("vlans")).some((v) => v["descr"]?.startsWith("not approved"))).toBe(false);
  });

  it("runs an up that matches its saved plan", async () => {
    const planFile = join(dir, "matching.json");
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify(spec("approved")) });
    await t.stack.preview({ plan: planFile });
    const result = await t.stack.up({ plan: planFile });
    expect(result.summary.result).toBe("succeeded");
    expect(Object.values(sim.items("vlans")).map((v) => v["descr"]?.split(" ")[0])).toEqual(["approved"]);
  });
});
