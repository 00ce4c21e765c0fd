// Plans, applies and drift checks run the program in bosun's own language
// runtime: its preview must show exactly what the language host's preview (a
// terminal's) shows, its saved plan must hold for an up through the runtime
// (what an apply runs), after which a terminal's preview sees nothing to
// change; a failing program must fail the preview with its own words, and the
// runtime must be gone after. Real engine and program; the OPNsense simulator
// (no box runs here) and the real Docker engine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation/index.js";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";
import { programFile, startProgramRuntime, tryProgramRuntime } from "./program-runtime.ts";
import { withProgramRuntime } from "./workspace.ts";

const spec = { version: 1, networks: { lab: { vlan: 58, subnet: "10.58.0.0/24" }, iot: { vlan: 59, subnet: "10.59.0.0/24" } } };

let sim: Simulator;
let t: TestStack;
let dir: string;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "rt-key", apiSecret: "rt-secret", assignVlans: { "58": "10.58.0.1/24", "59": "10.59.0.1/24" } });
  t = await createTestStack("runtime", sim);
  dir = mkdtempSync(join(tmpdir(), "bosun-program-runtime-"));
});

afterAll(async () => {
  await t?.remove();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every step the preview reported, as op and URN, sorted. */
async function steps(run: (onEvent: (e: EngineEvent) => void) => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  await run((e) => {
    const m = e.resourcePreEvent?.metadata;
    if (m) seen.push(`${m.op} ${m.urn}`);
  });
  return seen.sort();
}

const env = () => ({ ...process.env, ...(t.stack.workspace as LocalWorkspace).envVars });
const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

describe("the program runtime that plans, applies and drift checks use", () => {
  it("finds the project's program as the language host does", () => {
    expect(programFile(REPO_ROOT)).toBe(join(REPO_ROOT, "stacks", "index.ts"));
  });

  it("previews what the language host previews; its plan holds for an up through the runtime, after which the host sees no change", async () => {
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify(spec) });
    const runtime = await startProgramRuntime(REPO_ROOT, env());
    const planFile = join(dir, "plan.json");
    let viaRuntime: string[];
    try {
      viaRuntime = await steps((onEvent) =>
        withProgramRuntime({ workDir: REPO_ROOT, env: {} }, t.name, runtime.address, (s: Stack) => s.preview({ onEvent, plan: planFile })),
      );
      expect(runtime.ran()).toBe(true);
    } finally {
      runtime.stop();
    }
    await expect.poll(() => gone(runtime.pid), { timeout: 10_000 }).toBe(true);

    const viaHost = await steps((onEvent) => t.stack.preview({ onEvent }));
    expect(viaRuntime).toEqual(viaHost);
    expect(viaRuntime.filter((s) => s.startsWith("create ")).length).toBeGreaterThan(8);

    const applying = await startProgramRuntime(REPO_ROOT, env());
    try {
      const up = await withProgramRuntime({ workDir: REPO_ROOT, env: {} }, t.name, applying.address, (s: Stack) => s.up({ plan: planFile }));
      // The summary comes from the `stack history` that `up` runs after the update: that command must not get --client.
      expect(up.summary.result).toBe("succeeded");
      expect(applying.ran()).toBe(true);
    } finally {
      applying.stop();
    }
    expect(
      Object.values(sim.items("vlans"))
        .map((v) => v["tag"])
        .sort(),
    ).toEqual(["58", "59"]);
    const after = await steps((onEvent) => t.stack.preview({ onEvent }));
    expect(after.length).toBeGreaterThan(8);
    expect(after.filter((s) => !s.startsWith("same "))).toEqual([]);
  });

  it("fails the preview with the program's own error", async () => {
    await t.stack.setConfig("bosun:spec", { value: JSON.stringify({ version: 1, networks: { lab: { vlan: 5000, subnet: "10.58.0.0/24" } } }) });
    const runtime = await startProgramRuntime(REPO_ROOT, env());
    try {
      const err = await withProgramRuntime({ workDir: REPO_ROOT, env: {} }, t.name, runtime.address, (s) => s.preview()).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err?.message).toContain("bosun:spec is invalid");
      expect(err?.message).toContain("networks.lab.vlan");
    } finally {
      runtime.stop();
      await t.stack.setConfig("bosun:spec", { value: JSON.stringify(spec) });
    }
  });

  it("reports a runtime that cannot start, and the plan's preview then goes through the language host", async () => {
    // A project outside any node_modules: the program's @pulumi/pulumi cannot be found.
    const project = mkdtempSync(join(dir, "project-"));
    writeFileSync(join(project, "Pulumi.yaml"), "name: elsewhere\nruntime: nodejs\nmain: stacks/index.ts\n");
    mkdirSync(join(project, "stacks"));
    writeFileSync(join(project, "stacks", "index.ts"), 'import * as pulumi from "@pulumi/pulumi";\n');
    await expect(startProgramRuntime(project, env())).rejects.toThrow(/exited \(1\) before it listened: .*@pulumi\/pulumi/);
    expect(await tryProgramRuntime(project, env())).toBeUndefined();
  });
});
