// "Deploy a Minecraft server for 10 players on VLAN 20" as a person asks it
// over MCP: `plan` with the sentence, then `apply` of that plan, on a
// throwaway stack (OPNsense simulator, the local Docker engine). The image
// comes through the local registry when one runs (BOSUN_REGISTRY, as in the
// demo stack), else from the stand-in image already in the engine.
import { randomInt } from "node:crypto";
import { startSimulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack } from "../../test/support/test-stack.ts";
import type { BenchServer } from "./server.ts";
import { timeMs } from "./stats.ts";

export const INTENT = "Deploy a Minecraft server for 10 players on VLAN 20";

export interface MinecraftFigures {
  planMs: number;
  applyMs: number;
  image: string;
}

export async function measureMinecraft(server: BenchServer): Promise<MinecraftFigures> {
  const sim = await startSimulator({ apiKey: "bench-key", apiSecret: "bench-secret", assignVlans: { "20": "10.20.0.1/24" } });
  const registry = process.env["BOSUN_REGISTRY"];
  const image = registry ? "registry mirror" : "local stand-in";
  const test = await createTestStack("bench-mc", sim, {
    ...(registry
      ? { "bosun:registryMirror": "local" }
      : { "bosun:localImages": JSON.stringify({ "itzg/minecraft-server:java21": "bosun/minecraft-standin:1" }) }),
    // Its own loopback address: a demo running on this machine publishes 25565 on 127.0.0.1.
    "bosun:publishAddress": `127.0.${randomInt(1, 250)}.${randomInt(2, 250)}`,
  });
  const client = await server.connect(0);
  try {
    let planId = "";
    const planMs = await timeMs(async () => {
      const r = await client.callTool({ name: "plan", arguments: { stack: test.name, intent: INTENT } });
      planId = (r.structuredContent as { planId?: string } | undefined)?.planId ?? "";
      if (r.isError || !planId) throw new Error(`plan failed: ${JSON.stringify(r.content)}`);
    });
    const applyMs = await timeMs(async () => {
      const r = await client.callTool({ name: "apply", arguments: { planId } }, undefined, { timeout: 600_000 });
      if (r.isError) throw new Error(`apply failed: ${JSON.stringify(r.content)}`);
    });
    return { planMs, applyMs, image };
  } finally {
    await client.close();
    await test.remove();
    await sim.stop();
  }
}

export async function run(): Promise<void> {
  const { startServer } = await import("./server.ts");
  const server = await startServer(0);
  try {
    const f = await measureMinecraft(server);
    console.log(
      `"${INTENT}" (${f.image}): plan ${(f.planMs / 1000).toFixed(1)} s + apply ${(f.applyMs / 1000).toFixed(1)} s = ${((f.planMs + f.applyMs) / 1000).toFixed(1)} s (target < 15 s)`,
    );
  } finally {
    await server.stop();
  }
}
