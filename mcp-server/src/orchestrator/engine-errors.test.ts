// Engine failures a person can act on: messages captured from the Pulumi CLI
// v3.259.0 (stderr of the Automation API's CommandError), plus one real run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../../providers/opnsense-dynamic/simulator/server.ts";
import { createDb, type DbHandle } from "../db/client.ts";
import { createLockManager } from "../coordination/locks.ts";
import { ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation/index.js";
import { engineSummary, toBosunError } from "./engine-errors.ts";
import { createOrchestrator } from "./index.ts";
import { createTestStack, REPO_ROOT, type TestStack } from "../../../test/support/test-stack.ts";
import { BosunError } from "./types.ts";

const cmd = (stderr: string) =>
  new Error(`code: -2\n stdout: \n stderr: Command failed with exit code 1: /work/main/.tools/pulumi/bin/pulumi preview --stack demo\n${stderr}`);

describe("engine error messages", () => {
  it("maps the Automation API's typed errors before reading any text", () => {
    // What the Automation API throws (its constructors are not public): an instance with the CLI's text.
    const typed = <T extends object>(cls: { prototype: T }, message: string): T => Object.assign(Object.create(cls.prototype) as T, { message });
    const busy = toBosunError(typed(ConcurrentUpdateError, "error: [409] Conflict: Another update is currently in progress."), "demo", "the update");
    expect(busy.code).toBe("busy");
    expect(busy.message).toContain("stack demo is being updated by another pulumi process");
    expect(toBosunError(typed(StackNotFoundError, "error: no stack named 'x' found"), "x", "opening").code).toBe("unknown-stack");
  });

  it("says what to do about a wrong passphrase", () => {
    const e = toBosunError(cmd("error: incorrect passphrase"), "demo", "the preview");
    expect(e.message).toBe("cannot decrypt the secrets of stack demo: the Pulumi passphrase is wrong or missing");
    expect(e.hint).toContain("PULUMI_CONFIG_PASSPHRASE_FILE");
  });

  it("says what to do about a missing state folder", () => {
    const e = toBosunError(
      cmd('error: unable to open state directory "file:///srv/bosun/.state/pulumi-backend": stat /srv/bosun/.state/pulumi-backend: no such file or directory'),
      "demo",
      "opening",
    );
    expect(e.message).toContain("file:///srv/bosun/.state/pulumi-backend is missing");
    expect(e.hint).toContain("npm run setup");
  });

  it("says who holds a locked stack and how to clear it", () => {
    const e = toBosunError(
      cmd(
        "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n  file:///w/.state/pulumi-backend/.pulumi/locks/bosun/demo/1.json: created by root@lab (pid 4242) at 2026-11-24T15:00:00Z",
      ),
      "demo",
      "the update",
    );
    expect(e.message).toBe("stack demo is locked by another pulumi process (a terminal or CI run, or one that crashed): root@lab (pid 4242)");
    expect(e.hint).toContain("pulumi cancel");
  });

  it("keeps one meaningful line, without traces or secrets", () => {
    const s = engineSummary(
      "Updating (demo):\nerror: apiSecret: hunter2-very-secret was rejected\n    at Object.<anonymous> (/x.js:1:1)\n    at node:internal/main",
    );
    expect(s).toBe("apiSecret=[secret] was rejected");
    const e = toBosunError(new Error("something odd\n    at foo (/x.js:1:1)"), "demo", "the preview");
    expect(e).toBeInstanceOf(BosunError);
    expect(e.message).not.toMatch(/\bat foo\b/);
  });
});

describe("a real wrong passphrase", () => {
  let sim: Simulator;
  let test: TestStack;
  let handle: DbHandle;
  beforeAll(async () => {
    sim = await startSimulator({ apiKey: "pp-key", apiSecret: "pp-secret" });
    test = await createTestStack("pass", sim);
    handle = await createDb({ dataDir: "memory" });
  });
  afterAll(async () => {
    await test?.remove();
    await handle?.close();
    await sim?.stop();
  });

  it("turns the CLI's refusal into a BosunError with the fix", async () => {
    const orch = createOrchestrator({ db: handle.db, locks: createLockManager(), workDir: REPO_ROOT, env: { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" } });
    const err = await orch.plan({ stack: test.name, spec: { version: 1 }, actor: "test" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BosunError);
    expect((err as BosunError).message).toContain("passphrase is wrong");
    expect((err as BosunError).message).not.toContain("pp-secret");
  });
});
