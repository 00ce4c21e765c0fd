// Test helper: a throwaway stack (stacks/Pulumi.test-*.yaml, git-ignored) of
// the repository's own project, pointed at an OPNsense simulator.
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

export interface TestStack {
  name: string;
  file: string;
  stack: Stack;
  /** Destroys what is left and removes the stack and its file. */
  remove(): Promise<void>;
}

export async function createTestStack(prefix: string, sim: Simulator, extraConfig: Record<string, string> = {}): Promise<TestStack> {
  const name = `test-${prefix}-${randomBytes(3).toString("hex")}`;
  const pulumiCommand = await PulumiCommand.get({ root: `${REPO_ROOT}/.tools/pulumi`, skipVersionCheck: true });
  const stack = await LocalWorkspace.createStack({ stackName: name, workDir: REPO_ROOT }, { pulumiCommand });
  await stack.setAllConfig({
    "bosun:spec": { value: JSON.stringify({ version: 1 }) },
    "opnsense:url": { value: sim.url },
    "opnsense:apiKey": { value: sim.apiKey },
    "opnsense:apiSecret": { value: sim.apiSecret, secret: true },
    "opnsense:caPem": { value: sim.caPem },
    ...Object.fromEntries(Object.entries(extraConfig).map(([k, v]) => [k, { value: v }])),
  });
  return {
    name,
    file: `${REPO_ROOT}/stacks/Pulumi.${name}.yaml`,
    stack,
    async remove() {
      await stack.destroy().catch(() => {});
      await stack.workspace.removeStack(name, { force: true }).catch(() => {});
    },
  };
}
