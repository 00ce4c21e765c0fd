// A spec's secrets without a CLI run per plan: on a throwaway stack of the
// project (real Pulumi CLI, real passphrase encryption, no deployment), the
// live spec is read through `pulumi config` once, then from the file while
// its ciphertexts are known; a secret changed behind bosun's back goes to the
// CLI again. A candidate keeps the ciphertext of an unchanged secret and
// re-encrypts a changed one, and its new ciphertexts are known afterwards.
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, removeCheckpointBackups } from "../../../test/support/test-stack.ts";
import { decryptKnown, forgetKnownSecrets, learnSecrets, secretScope } from "./known-secrets.ts";
import { encryptSecret } from "./pulumi-cli.ts";
import { candidateText, ciphertexts, specOfText, stackFilePath } from "./stack-file.ts";
import { liveSpec } from "./workspace.ts";

const name = `test-known-secrets-${randomBytes(3).toString("hex")}`;
const file = stackFilePath(REPO_ROOT, name);
const scratchDir = mkdtempSync(join(tmpdir(), "bosun-known-secrets-"));
const scope = secretScope(REPO_ROOT, name);
let stack: Stack;
let cliReads = 0;

const specWith = (token: string, other: string) => ({
  version: 1,
  services: { echo: { image: "bosun/echo-server:1", env: { TOKEN: { secret: token }, OTHER: { secret: other }, PLAIN: "x" } } },
});

/** Encrypts one spec leaf into `target` (a stack file), as the planner does. */
const encrypt = (target: string, key: string, value: string) => encryptSecret({ cwd: REPO_ROOT, env: {}, stack: name, scratchFile: target, key, value });

beforeAll(async () => {
  const pulumiCommand = await PulumiCommand.get({ root: join(REPO_ROOT, ".tools", "pulumi"), skipVersionCheck: true });
  stack = await LocalWorkspace.createStack({ stackName: name, workDir: REPO_ROOT }, { pulumiCommand });
  const getAllConfig = stack.getAllConfig.bind(stack);
  stack.getAllConfig = () => {
    cliReads++;
    return getAllConfig();
  };
  // The spec as bosun writes it: a YAML map in the stack file, secrets as `{ secure }` leaves.
  const spec = "  bosun:spec:\n    version: 1\n    services:\n      echo:\n        image: bosun/echo-server:1\n        env:\n          PLAIN: x\n";
  writeFileSync(file, `${readFileSync(file, "utf8").trimEnd()}\nconfig:\n${spec}`);
  await encrypt(file, "bosun:spec.services.echo.env.TOKEN.secret", "token-1");
  await encrypt(file, "bosun:spec.services.echo.env.OTHER.secret", "other-1");
}, 120_000);

afterAll(async () => {
  await stack.workspace.removeStack(name, { force: true }).catch(() => {});
  removeCheckpointBackups("bosun", name);
  rmSync(file, { force: true });
  rmSync(scratchDir, { recursive: true, force: true });
  forgetKnownSecrets();
});

describe("known secrets", () => {
  it("reads the live spec through the CLI once, then from the file, with the same value", async () => {
    forgetKnownSecrets();
    const before = cliReads;
    const first = await liveSpec(stack);
    expect(cliReads).toBe(before + 1);
    expect(first).toEqual({ value: specWith("token-1", "other-1"), secret: true });
    const second = await liveSpec(stack);
    expect(cliReads).toBe(before + 1);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
  });

  it("goes to the CLI again for a secret changed behind its back", async () => {
    await liveSpec(stack);
    await encrypt(file, "bosun:spec.services.echo.env.TOKEN.secret", "token-2");
    const before = cliReads;
    expect((await liveSpec(stack)).value).toEqual(specWith("token-2", "other-1"));
    expect(cliReads).toBe(before + 1);
  });

  it("does not take a ciphertext from another stack", async () => {
    const text = readFileSync(file, "utf8");
    expect(decryptKnown(scope, specOfText(text))).toEqual(specWith("token-2", "other-1"));
    expect(decryptKnown(secretScope(REPO_ROOT, `${name}-other`), specOfText(text))).toBeUndefined();
  });

  it("keeps an unchanged secret's ciphertext, re-encrypts a changed one, and knows the new one", async () => {
    const text = readFileSync(file, "utf8");
    const old = ciphertexts(text);
    const spec = specWith("token-2", "other-2");
    let encrypted = 0;
    const candidate = await candidateText({
      text,
      spec,
      liveSecrets: new Map([
        ["services.echo.env.TOKEN.secret", "token-2"],
        ["services.echo.env.OTHER.secret", "other-1"],
      ]),
      scratchDir,
      encrypt: (scratch, key, value) => (encrypted++, encrypt(scratch, key, value)),
    });
    const made = ciphertexts(candidate);
    expect(encrypted).toBe(1);
    expect(made.get("services.echo.env.TOKEN.secret")).toBe(old.get("services.echo.env.TOKEN.secret"));
    expect(made.get("services.echo.env.OTHER.secret")).not.toBe(old.get("services.echo.env.OTHER.secret"));
    expect(candidate).not.toContain("other-2");

    // As the planner does, then as an apply writes the candidate: no CLI to read it back.
    learnSecrets(scope, specOfText(candidate), spec);
    writeFileSync(file, candidate);
    const before = cliReads;
    expect((await liveSpec(stack)).value).toEqual(spec);
    expect(cliReads).toBe(before);
    forgetKnownSecrets();
    expect((await liveSpec(stack)).value).toEqual(spec);
    expect(cliReads).toBe(before + 1);
  });

  it("encrypts several changed and new secrets, each to a value the CLI decrypts", async () => {
    const text = readFileSync(file, "utf8");
    const changed = specWith("token-3", "other-3");
    const spec = { ...changed, services: { echo: { ...changed.services.echo, env: { ...changed.services.echo.env, NEW: { secret: "new-3" } } } } };
    let encrypted = 0;
    const candidate = await candidateText({
      text,
      spec,
      liveSecrets: new Map(),
      scratchDir,
      encrypt: (scratch, key, value) => (encrypted++, encrypt(scratch, key, value)),
    });
    expect(encrypted).toBe(3);
    expect(new Set(ciphertexts(candidate).values()).size).toBe(3);
    writeFileSync(file, candidate);
    forgetKnownSecrets();
    expect((await liveSpec(stack)).value).toEqual(spec);
  });
});
