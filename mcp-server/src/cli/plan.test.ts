// `bosun plan` as a person runs it in a terminal: a child process with the real
// engine, the OPNsense simulator and its own embedded database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";

const cli = fileURLToPath(new URL("./main.ts", import.meta.url));
let sim: Simulator;
let test: TestStack;
let state: string;

function bosun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: REPO_ROOT, env: { ...process.env, BOSUN_STATE: state }, timeout: 240_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "cli-key", apiSecret: "cli-secret", assignVlans: { "32": "10.32.0.1/24" } });
  test = await createTestStack("cli", sim);
  state = mkdtempSync(join(tmpdir(), "bosun-cli-"));
});

afterAll(async () => {
  await test?.remove();
  await sim?.stop();
  rmSync(state, { recursive: true, force: true });
});

describe("bosun plan", () => {
  it("asks instead of guessing, and plans nothing", async () => {
    const r = await bosun(["plan", "deploy a game server", "--stack", test.name]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("Which game");
  });

  it("refuses an unknown stack with a clear message", async () => {
    const r = await bosun(["plan", "add a camera VLAN 32", "--stack", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown stack "nope"');
  });

  it("previews without changing anything, then applies with --apply --yes", async () => {
    const preview = await bosun(["plan", "add a camera VLAN 32", "--stack", test.name]);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toMatch(/\+ create\s+cameras-vlan/);
    expect(preview.stdout).toContain("Nothing changed");
    expect(Object.keys(sim.items("vlans"))).toHaveLength(0);

    const applied = await bosun(["plan", "add a camera VLAN 32", "--stack", test.name, "--apply", "--yes"]);
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain("Applied in");
    expect(Object.values(sim.items("vlans")).map((v) => v.tag)).toEqual(["32"]);
  });
});
