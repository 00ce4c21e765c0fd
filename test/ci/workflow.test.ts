// The pipeline's GitHub Actions workflows pass actionlint (built by setup,
// scripts/toolchain/build-actionlint.sh), which also runs shellcheck on every
// `run:` script; a workflow with a known mistake is refused, so the check is real.
import { describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/test-stack.ts";

const actionlint = join(REPO_ROOT, ".tools", "actionlint", "bin", "actionlint");

function lint(files: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(actionlint, ["-no-color", ...files], { cwd: REPO_ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

describe("the CI workflows", () => {
  it("pass actionlint and shellcheck", async () => {
    const dir = join(REPO_ROOT, ".github", "workflows");
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toContain("bosun.yml");
    const r = await lint(files.map((f) => join(dir, f)));
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("refuses a workflow that puts untrusted input in a script", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bosun-actionlint-"));
    try {
      const file = join(dir, "bad.yml");
      writeFileSync(file, "on: pull_request\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n");
      const r = await lint([file]);
      expect(r.code).toBe(1);
      expect(r.out).toContain("potentially untrusted");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
