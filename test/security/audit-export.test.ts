// `bosun audit export`: the audit log as JSON lines, filtered by stack, with
// the intent text of the plan an apply carried out; and the masker every
// stored diagnostic goes through.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../../mcp-server/src/db/client.ts";
import { recordAudit } from "../../mcp-server/src/audit/log.ts";
import { recordIntent, recordPlan } from "../../mcp-server/src/db/queries.ts";
import { secretMasker } from "../../mcp-server/src/secrets/mask.ts";
import { REPO_ROOT } from "../support/test-stack.ts";

const state = mkdtempSync(join(tmpdir(), "bosun-audit-"));
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe("bosun audit export", () => {
  it("prints every event as one JSON line, oldest first, with the intent of the plan", async () => {
    const handle = await createDb({ dataDir: join(state, "pglite") });
    const intent = await recordIntent(handle.db, { stack: "lab", text: "deploy grafana on vlan 30", source: "mcp", actor: "alice" });
    await recordPlan(handle.db, {
      stack: "lab",
      kind: "apply",
      actor: "alice",
      planId: "plan_lab1",
      intentId: intent.id,
      expiresAt: new Date(Date.now() + 60_000),
    });
    await recordAudit(handle.db, {
      actor: "alice",
      action: "plan",
      stack: "lab",
      outcome: "succeeded",
      planId: "plan_lab1",
      intent: "deploy grafana on vlan 30",
    });
    await recordAudit(handle.db, { actor: "bob", action: "apply", stack: "lab", outcome: "succeeded", planId: "plan_lab1", detail: '{"create":3}' });
    await recordAudit(handle.db, { actor: "eve", action: "apply", stack: "demo", outcome: "denied", detail: "lacks the apply scope" });
    await handle.close();

    const run = (args: string[]) =>
      new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [join(REPO_ROOT, "mcp-server/src/cli/main.ts"), "audit", "export", ...args],
          { env: { ...process.env, BOSUN_STATE: state, DATABASE_URL: "" } },
          (err, out, errOut) => (err ? reject(new Error(errOut)) : resolve(out)),
        ),
      );
    const all = (await run([]))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(all.map((e) => [e["actor"], e["action"], e["outcome"]])).toEqual([
      ["alice", "plan", "succeeded"],
      ["bob", "apply", "succeeded"],
      ["eve", "apply", "denied"],
    ]);
    expect(all[1]).toMatchObject({ stack: "lab", planId: "plan_lab1", intent: "deploy grafana on vlan 30", detail: '{"create":3}' });
    expect(typeof all[0]?.["at"]).toBe("string");
    const demo = (await run(["--stack", "demo"])).trim().split("\n");
    expect(demo).toHaveLength(1);
  }, 60_000);
});

describe("the secret masker", () => {
  it("hides every configured value, longest first, and leaves short ones alone", () => {
    const mask = secretMasker(["hunter2", "hunter2-and-more", "on"]);
    expect(mask("pw hunter2-and-more then hunter2, switch on")).toBe("pw [secret] then [secret], switch on");
  });
});
