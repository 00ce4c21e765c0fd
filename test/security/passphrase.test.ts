// Passphrases: setup makes this installation's own (random, owner-only) and
// replaces the old public one; the demo stack (and copies of it) keep the
// public demo passphrase, every other stack uses the installation's, both from
// a terminal (`bash scripts/with-env.sh pulumi … --stack X`, the README's
// recipe) and in bosun's orchestrator (stackEnv); a stack other than the demo
// on the demo passphrase is warned about. Real CLI runs on throwaway stacks.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, removeCheckpointBackups } from "../support/test-stack.ts";
import { stackEnv } from "../../mcp-server/src/orchestrator/workspace.ts";
import { DEMO_PASSPHRASE, demoPassphraseWarning } from "../../mcp-server/src/secrets/passphrase.ts";

const tag = randomBytes(3).toString("hex");
const demoCopy = `test-ppdemo-${tag}`;
const own = `test-ppown-${tag}`;
const scratch = mkdtempSync(join(tmpdir(), "bosun-passphrase-"));
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, input = "") =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(cmd, args, { cwd: REPO_ROOT, env, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
const withEnv = (args: string[], env?: NodeJS.ProcessEnv) => run("bash", ["scripts/with-env.sh", "pulumi", ...args, "--non-interactive"], env);

afterAll(async () => {
  for (const s of [demoCopy, own]) {
    await withEnv(["stack", "rm", "--yes", "--force", "--stack", s]);
    removeCheckpointBackups("bosun", s);
    rmSync(join(REPO_ROOT, "stacks", `Pulumi.${s}.yaml`), { force: true });
  }
  rmSync(scratch, { recursive: true, force: true });
});

describe("setup's passphrase step", () => {
  it("makes a random owner-only passphrase per installation and replaces the public one", async () => {
    const a = join(scratch, "a");
    const b = join(scratch, "b");
    for (const state of [a, b]) expect((await run("bash", ["scripts/passphrase.sh"], { ...process.env, BOSUN_STATE: state })).code).toBe(0);
    const pa = readFileSync(join(a, "passphrase"), "utf8").trim();
    expect(pa).toHaveLength(43);
    expect(pa).not.toBe(readFileSync(join(b, "passphrase"), "utf8").trim());
    expect(statSync(join(a, "passphrase")).mode & 0o777).toBe(0o600);
    expect(statSync(a).mode & 0o077).toBe(0o011); // others may pass through, never read

    writeFileSync(join(a, "passphrase"), `${DEMO_PASSPHRASE}\n`, { mode: 0o644 });
    writeFileSync(join(a, "tokens.json"), "[]\n", { mode: 0o644 });
    const again = await run("bash", ["scripts/passphrase.sh"], { ...process.env, BOSUN_STATE: a });
    expect(again.stdout).toContain("replaced the public passphrase");
    expect(readFileSync(join(a, "passphrase"), "utf8").trim()).not.toBe(DEMO_PASSPHRASE);
    expect(statSync(join(a, "tokens.json")).mode & 0o777).toBe(0o600);
  });
});

describe("which passphrase a stack gets", () => {
  it("the demo (and copies of it) the public one, from a terminal and in the orchestrator", async () => {
    writeFileSync(join(REPO_ROOT, "stacks", `Pulumi.${demoCopy}.yaml`), readFileSync(join(REPO_ROOT, "stacks", "Pulumi.demo.yaml"), "utf8"));
    const init = await withEnv(["stack", "init", "--stack", demoCopy]);
    expect(init.code, init.stderr).toBe(0);
    const get = await withEnv(["config", "get", "opnsense:apiSecret", "--stack", demoCopy]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout.trim()).toBe("bosun-demo-secret-for-the-simulator-only");
    expect(stackEnv({ workDir: REPO_ROOT, env: {} }, demoCopy)).toEqual({ PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE });

    // The installation's passphrase cannot open it: the two really differ.
    const plain = await run("pulumi", ["config", "get", "opnsense:apiSecret", "--stack", demoCopy, "--non-interactive"]);
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/incorrect passphrase|failed to decrypt/);
  });

  it("every other stack this installation's, never the public one", async () => {
    const init = await withEnv(["stack", "init", "--stack", own]);
    expect(init.code, init.stderr).toBe(0);
    const set = await run(
      "bash",
      ["scripts/with-env.sh", "pulumi", "config", "set", "--secret", "x:token", "--stack", own, "--non-interactive"],
      process.env,
      "own-secret-value",
    );
    expect(set.code, set.stderr).toBe(0);
    expect((await withEnv(["config", "get", "x:token", "--stack", own])).stdout.trim()).toBe("own-secret-value");
    const env = stackEnv({ workDir: REPO_ROOT, env: {} }, own);
    expect(env["PULUMI_CONFIG_PASSPHRASE"]).toBeUndefined();
    const withDemo = await run("pulumi", ["config", "get", "x:token", "--stack", own, "--non-interactive"], {
      ...process.env,
      PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE,
    });
    expect(withDemo.code).not.toBe(0);
  });

  it("warns when a stack other than the demo would use the demo passphrase", () => {
    expect(demoPassphraseWarning(REPO_ROOT, own, { PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE })).toMatch(/public demo passphrase/);
    expect(demoPassphraseWarning(REPO_ROOT, own, { PULUMI_CONFIG_PASSPHRASE: "something-else" })).toBeUndefined();
    expect(demoPassphraseWarning(REPO_ROOT, "demo", {})).toBeUndefined();
  });
});
