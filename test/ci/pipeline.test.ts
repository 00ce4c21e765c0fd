// The pipeline on a throwaway git repository holding a copy of the demo stack
// (same spec and encrypted secret, its own simulator, named test-ci-<random> so
// a developer's own demo is untouched): the stack is added and applied by
// `bosun ci apply`; on a branch its spec changes: `bosun ci preview` writes the
// Markdown summary and fails on a denied rule, passes once the branch fixes it;
// after the merge, `bosun ci apply` applies it and the history shows the CI
// actor. Real engine, policy pack, OPNsense simulator and Docker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { createEngine, parseDockerHost } from "../../providers/docker-engine/client/engine.ts";
import { stackAssignments as demoAssignments } from "../../mcp-server/src/simulators.ts";
import { DEMO_SUBNET, exclusiveSubnet } from "../support/exclusive.ts";
import { REPO_ROOT } from "../support/test-stack.ts";
import { createThrowawayProject, type ThrowawayProject } from "../support/throwaway-project.ts";

const cli = fileURLToPath(new URL("../../mcp-server/src/cli/main.ts", import.meta.url));
const stack = `test-ci-${randomBytes(3).toString("hex")}`;
const demo = readFileSync(join(REPO_ROOT, "stacks", "Pulumi.demo.yaml"), "utf8");
const docker = createEngine(parseDockerHost(process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock"));
const file = `stacks/Pulumi.${stack}.yaml`;
let sim: Simulator;
let project: ThrowawayProject;

function bosun(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { cwd: project.dir, env: { ...process.env, ...project.env, BOSUN_CI_ACTOR: "pipeline-test" }, timeout: 600_000, maxBuffer: 32 << 20 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The demo's minecraft service with other settings (the rest of the stack file as it is). */
const withMinecraft = (text: string, lines: string) => text.replace("        memoryMb: 4096\n", lines);

beforeAll(async () => {
  sim = await startSimulator({ apiKey: "bosun-demo-key", apiSecret: "bosun-demo-secret-for-the-simulator-only", assignVlans: demoAssignments(demo) });
  project = createThrowawayProject({});
});

afterAll(async () => {
  await project?.remove();
  await sim?.stop();
});

interface Inspect {
  HostConfig: { Memory: number };
}

describe("bosun ci on a throwaway git repository", () => {
  it("previews a branch with policy, fails on a denied rule, passes after the fix, applies the merge as the CI actor", () =>
    // The demo's Docker subnet is one per engine: tests using it take turns.
    exclusiveSubnet(DEMO_SUBNET, async () => {
      // A new stack: the demo, added on main and applied by the pipeline.
      project.write(file, demo.replace("https://127.0.0.1:18443", sim.url));
      project.git("add", file);
      project.git("commit", "-q", "-m", `Add stack ${stack}: the Minecraft demo`);
      const first = await bosun(["ci", "apply", "--base", "HEAD~1", "--dir", project.dir]);
      expect(first.stderr).toBe("");
      expect(first.stdout).toMatch(new RegExp(`\`${stack}\`: applied`));
      expect(first.code).toBe(0);
      const container = `${stack}-minecraft`;
      expect((await docker.json<Inspect>("GET", `/containers/${container}/json`)).HostConfig.Memory).toBe(4096 * 1024 * 1024);

      // On a branch: 24 GiB for the server, and its port opened to the internet.
      project.git("checkout", "-q", "-b", "bigger-world");
      const open = "          - container: 25565\n            expose: any\n";
      project.write(file, withMinecraft(readFileSync(join(project.dir, file), "utf8"), `        memoryMb: 24576\n        ports:\n${open}`));
      project.git("commit", "-qam", "Give minecraft 24 GiB and open it to the internet");
      const denied = await bosun(["ci", "preview", "--base", "main", "--dir", project.dir, "--out", join(project.dir, ".state", "summary.md")]);
      expect(denied.code).toBe(4);
      expect(denied.stdout).toContain(`### Stack \`${stack}\` — refused by policy`);
      expect(denied.stdout).toMatch(
        /\| \*\*deny\*\* \| resource-ceilings \| minecraft-app-container \| container test-ci-\w+-minecraft asks for 24576 MiB; host local allows 16384 MiB/,
      );
      // The finding names the rule as the plan lists it (the engine knows the owner's FirewallRuleSet, minecraft-rules).
      expect(denied.stdout).toMatch(
        /\| warn \| wan-exposure \| minecraft-rule-25565-tcp-from-wan \| .*\(minecraft-rule-25565-tcp-from-wan\) opens 25565\/TCP to the internet/,
      );
      expect(denied.stdout).toContain("**Drift**: none");
      expect(readFileSync(join(project.dir, ".state", "summary.md"), "utf8")).toBe(`${denied.stdout.trimEnd()}\n`);
      console.log(`summary of the denied change:\n${denied.stdout}`);

      // The fix on the same branch: 6 GiB.
      project.write(file, readFileSync(join(project.dir, file), "utf8").replace("memoryMb: 24576", "memoryMb: 6144"));
      project.git("commit", "-qam", "Six GiB is plenty");
      const passed = await bosun(["ci", "preview", "--base", "main", "--dir", project.dir]);
      expect(passed.stderr).toBe("");
      expect(passed.code).toBe(0);
      expect(passed.stdout).toContain(`### Stack \`${stack}\` — ok`);
      expect(passed.stdout).not.toContain("**deny**");
      // The template sizes the JVM from memoryMb, so the container's environment changes: a new container, same volume.
      expect(passed.stdout).toMatch(/`\+- replace` `minecraft-app-container` \(docker:Container\) — changing env requires a new resource/);
      expect(passed.stdout).toMatch(/`\+ create` `minecraft-rule-25565-tcp-from-wan` \(opnsense:FirewallRule\)/);
      expect(passed.stdout).toContain("| warn | wan-exposure |");
      console.log(`summary of the fixed change:\n${passed.stdout}`);

      // Merge, and the pipeline's apply of main.
      project.git("checkout", "-q", "main");
      project.git("merge", "-q", "--no-ff", "bigger-world", "-m", "Merge bigger-world: six GiB and open to the internet");
      const applied = await bosun(["ci", "apply", "--base", "HEAD~1", "--dir", project.dir]);
      expect(applied.stderr).toBe("");
      expect(applied.code).toBe(0);
      expect(applied.stdout).toMatch(new RegExp(`\`${stack}\`: applied`));
      expect((await docker.json<Inspect>("GET", `/containers/${container}/json`)).HostConfig.Memory).toBe(6144 * 1024 * 1024);
      expect(Object.values(sim.items("rules", "live")).some((r) => r.destination_port === "25565" && r.interface === "wan")).toBe(true);

      const history = await bosun(["history", "--stack", stack, "--json"]);
      expect(history.code).toBe(0);
      const entries = JSON.parse(history.stdout) as { kind: string; status: string; actor: string }[];
      const applies = entries.filter((e) => e.kind === "apply" && e.status === "succeeded");
      expect(applies.map((e) => e.actor)).toEqual(["ci:pipeline-test", "ci:pipeline-test"]);
    }));
});
