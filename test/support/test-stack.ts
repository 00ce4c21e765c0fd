// Test helper: a throwaway stack (stacks/Pulumi.test-*.yaml, git-ignored) of
// the repository's own project, pointed at an OPNsense simulator.
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { checkpointPaths } from "../../mcp-server/src/orchestrator/state-version.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface TestStack {
  name: string;
  file: string;
  stack: Stack;
  /** Destroys what is left and removes the stack and its file. */
  remove(): Promise<void>;
}

/** `env` sets e.g. PULUMI_BACKEND_URL for a stack on another backend (the orchestrator must get the same). */
export async function createTestStack(
  prefix: string,
  sim: Simulator,
  extraConfig: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<TestStack> {
  const name = `test-${prefix}-${randomBytes(3).toString("hex")}`;
  const pulumiCommand = await PulumiCommand.get({ root: `${REPO_ROOT}/.tools/pulumi`, skipVersionCheck: true });
  const stack = await LocalWorkspace.createStack({ stackName: name, workDir: REPO_ROOT }, { pulumiCommand, envVars: env });
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
      if (!env["PULUMI_BACKEND_URL"]) removeCheckpointBackups("bosun", name);
      await removeDockerLeftovers(name);
    },
  };
}

/** `stack rm` on a file backend keeps the checkpoint as <stack>.json.bak; a throwaway stack needs no backup. */
export function removeCheckpointBackups(project: string, stack: string): void {
  for (const file of checkpointPaths(process.env["PULUMI_BACKEND_URL"], project, stack)) {
    for (const suffix of [".bak", ".bak.attrs"]) rmSync(file + suffix, { force: true });
  }
}

/** Containers, networks and volumes named after the stack, in case a failed test left them. */
export async function removeDockerLeftovers(prefix: string): Promise<void> {
  const engine = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
  const filter = encodeURIComponent(JSON.stringify({ name: [`^${prefix}-`] }));
  const containers = await engine.json<{ Id: string }[]>("GET", `/containers/json?all=1&filters=${filter}`).catch(() => []);
  for (const c of containers) await engine.json("DELETE", `/containers/${c.Id}?force=1`).catch(() => {});
  const networks = await engine.json<{ Id: string }[]>("GET", `/networks?filters=${filter}`).catch(() => []);
  for (const n of networks) await engine.json("DELETE", `/networks/${n.Id}`).catch(() => {});
  const volumes = await engine.json<{ Volumes: { Name: string }[] | null }>("GET", `/volumes?filters=${filter}`).catch(() => ({ Volumes: [] }));
  for (const v of volumes.Volumes ?? []) await engine.json("DELETE", `/volumes/${encodeURIComponent(v.Name)}`).catch(() => {});
}
export { checkpointPaths } from "../../mcp-server/src/orchestrator/state-version.ts";
