// `bosun translate` run as a child process, the way a terminal runs it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { minecraftDemo } from "../../../stacks/model/examples/minecraft.ts";
import { parseSpec, stackYamlFor } from "../../../stacks/model/index.ts";
import { STACKS_DIR } from "./translate.ts";

const cli = fileURLToPath(new URL("./main.ts", import.meta.url));

function bosun(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // execFile, no shell: the request reaches the CLI as one argv entry.
    execFile(process.execPath, [cli, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const stack = `test-cli-${randomBytes(4).toString("hex")}`;
const broken = `${stack}-broken`;
const file = (name: string) => `${STACKS_DIR}Pulumi.${name}.yaml`;

beforeAll(() => {
  const withSecret = parseSpec({
    ...minecraftDemo,
    services: { minecraft: { ...minecraftDemo.services?.minecraft, env: { MAX_PLAYERS: "10", RCON_PASSWORD: { secret: "hunter2-cli" } } } },
  });
  if (!withSecret.ok) throw new Error("bad fixture");
  writeFileSync(file(stack), stackYamlFor(withSecret.spec));
  writeFileSync(file(broken), "config:\n  bosun:spec:\n    version: 1\n    networks:\n      gaming: { vlan: 5000, subnet: 10.20.0.0/24 }\n");
});
afterAll(() => {
  rmSync(file(stack), { force: true });
  rmSync(file(broken), { force: true });
});

describe("bosun translate", () => {
  it("prints the changes and assumptions for the demo request", async () => {
    const r = await bosun("translate", "Deploy a Minecraft server for 10 players on VLAN 20");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("add network gaming: VLAN 20, 10.20.0.0/24");
    expect(r.stdout).toContain("add service minecraft: minecraft-java on gaming, 4096 MiB");
    expect(r.stdout).toContain("4 GiB for 10 players");
  });

  it("prints the object with --json", async () => {
    const r = await bosun("translate", "--json", "Deploy a Minecraft server for 10 players on VLAN 20");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      spec: {
        networks: Record<string, { vlan: number; dhcp: { start: string } }>;
        services: Record<string, { memoryMb: number; ports: { host: number }[]; dns: string }>;
      };
      changes: string[];
      assumptions: string[];
      questions: string[];
    };
    expect(Object.keys(out).sort()).toEqual(["assumptions", "changes", "questions", "spec"]);
    expect(out.spec.networks.gaming?.vlan).toBe(20);
    expect(out.spec.networks.gaming?.dhcp.start).toBe("10.20.0.100");
    expect(out.spec.services.minecraft?.memoryMb).toBe(4096);
    expect(out.spec.services.minecraft?.ports[0]?.host).toBe(25565);
    expect(out.spec.services.minecraft?.dns).toBe("minecraft");
    expect(out.questions).toEqual([]);
  });

  it("starts from the stack's spec with --stack and never prints its secrets", async () => {
    const r = await bosun("translate", "give minecraft 8GB", "--stack", stack, "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { spec: { services: Record<string, { memoryMb: number; env: Record<string, unknown> }> }; changes: string[] };
    expect(out.changes).toEqual(["change services.minecraft.memoryMb: 4096 → 8192"]);
    expect(out.spec.services.minecraft?.env.RCON_PASSWORD).toEqual({ secret: "[secret]" });
    expect(r.stdout + r.stderr).not.toContain("hunter2-cli");
  });

  it("prints questions and exits 3 when something essential is missing", async () => {
    const r = await bosun("translate", "deploy a game server");
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("Questions (nothing changed):");
    expect(r.stdout).toContain("Which game");
    const json = await bosun("translate", "minecraft on VLAN 5000", "--json");
    expect(json.code).toBe(3);
    expect((JSON.parse(json.stdout) as { questions: string[] }).questions[0]).toContain("VLAN tags are 1-4094");
  });

  it("refuses bad input with a clear message", async () => {
    const empty = await bosun("translate", "  ");
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("give the request in words");
    const badName = await bosun("translate", "deploy minecraft", "--stack", "../../etc/passwd");
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain("a stack name is letters, digits");
    const unknown = await bosun("translate", "deploy minecraft", "--stack", `${stack}-missing`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`unknown stack "${stack}-missing"`);
    const invalid = await bosun("translate", "deploy minecraft", "--stack", broken);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain("networks.gaming.vlan");
    const option = await bosun("translate", "deploy minecraft", "--bogus");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("--bogus");
  });
});
