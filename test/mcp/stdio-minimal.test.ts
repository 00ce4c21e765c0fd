// An MCP client that starts `npx bosun mcp` the way desktop clients do: the
// SDK's default environment (HOME, PATH, … and nothing of bosun's), the system
// `node`. bosun must find its toolchain, state, passphrase and services by
// itself, start the simulator the stack asks for, and carry out plan → apply
// → status → destroy on the demo stack. It runs on a copy of the demo stack
// (same spec, same encrypted secret, its own simulator port), so a developer's
// own demo stack is untouched; the OPNsense box is bosun's simulator, Docker is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { REPO_ROOT, removeCheckpointBackups, removeDockerLeftovers } from "../support/test-stack.ts";
import { DEMO_SUBNET, exclusiveSubnet } from "../support/exclusive.ts";
import { freePort, listening } from "../support/ports.ts";

const stack = `test-stdio-${randomBytes(3).toString("hex")}`;
const file = `${REPO_ROOT}/stacks/Pulumi.${stack}.yaml`;
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
type Result = { isError?: boolean; structuredContent?: Record<string, unknown>; content: { text: string }[] };

let client: Client;
/** Where `bosun mcp` runs this stack's OPNsense simulator. */
let port: number;
beforeAll(async () => {
  const demo = readFileSync(`${REPO_ROOT}/stacks/Pulumi.demo.yaml`, "utf8");
  port = await freePort();
  writeFileSync(
    file,
    demo.replace("https://127.0.0.1:18443", `https://127.0.0.1:${port}`).replace("bosun:publishAddress: 127.0.0.1", "bosun:publishAddress: 127.0.0.4"),
  );
  const env = getDefaultEnvironment();
  expect(Object.keys(env).some((k) => k.startsWith("PULUMI") || k.startsWith("BOSUN") || k === "DOCKER_HOST")).toBe(false);
  client = new Client({ name: "minimal-env-test", version: "1" });
  await client.connect(new StdioClientTransport({ command: "npx", args: ["bosun", "mcp"], cwd: REPO_ROOT, env, stderr: "pipe" }));
});

afterAll(async () => {
  await client?.close();
  const { execFileSync } = await import("node:child_process");
  try {
    execFileSync("pulumi", ["stack", "rm", "--yes", "--force", "--stack", stack, "--non-interactive"], { cwd: REPO_ROOT, stdio: "ignore" });
  } catch {
    // already gone
  }
  removeCheckpointBackups("bosun", stack);
  rmSync(file, { force: true });
  await removeDockerLeftovers(stack);
});

describe("bosun mcp started by a client with a minimal environment", () => {
  it("plans, applies, reports status and destroys the demo stack", () =>
    exclusiveSubnet(DEMO_SUBNET, async () => {
      const demoSpec = {
        version: 1,
        networks: { gaming: { vlan: 20, subnet: "10.20.0.0/24", description: "Game servers" } },
        services: { minecraft: { template: "minecraft-java", network: "gaming", memoryMb: 4096, env: { MAX_PLAYERS: "10" } } },
        dns: { domain: "home.arpa" },
      };
      const plan = (await client.callTool({ name: "plan", arguments: { stack, spec: demoSpec } })) as Result;
      expect(plan.isError ?? false, plan.content[0]?.text).toBe(false);
      const planned = plan.structuredContent as { planId: string; counts: { create: number }; summary: string };
      expect(planned.counts.create).toBeGreaterThan(10);
      expect(planned.summary).toContain("network gaming");

      const applied = (await client.callTool({ name: "apply", arguments: { planId: planned.planId } }, undefined, { timeout: 300_000 })) as Result;
      expect(applied.isError ?? false, applied.content[0]?.text).toBe(false);
      expect((applied.structuredContent as { status: string }).status).toBe("succeeded");
      const container = await docker.json<{ State: { Status: string } }>("GET", `/containers/${stack}-minecraft/json`);
      expect(container.State.Status).toBe("running");

      const status = (await client.callTool({ name: "status", arguments: { stack } })) as Result;
      const outputs = (status.structuredContent as { outputs: { services: { minecraft: { address: string } } } }).outputs;
      expect(outputs.services.minecraft.address).toBe("10.20.0.10");

      const destroy = (await client.callTool({ name: "destroy", arguments: { stack } })) as Result;
      const destroyPlan = destroy.structuredContent as { planId: string; counts: { delete: number } };
      expect(destroyPlan.counts.delete).toBeGreaterThan(10);
      const gone = (await client.callTool({ name: "apply", arguments: { planId: destroyPlan.planId } }, undefined, { timeout: 300_000 })) as Result;
      expect((gone.structuredContent as { status: string }).status).toBe("succeeded");
      await expect(docker.json("GET", `/containers/${stack}-minecraft/json`)).rejects.toThrow(/No such container/);
    }));

  it("exits when its client goes away, and its simulator with it", async () => {
    expect(await listening(port)).toBe(true);
    // The SDK ends the launcher (npx); the server must notice its stdin closing and stop on its own.
    await client.close();
    for (let i = 0; i < 150 && (await listening(port)); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await listening(port)).toBe(false);
  });
});
