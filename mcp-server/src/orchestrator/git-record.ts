// Git as the record (optional per installation, BOSUN_GIT_RECORD): when the
// stacks folder is in a git repository, every applied change is committed
// there, author = the token that applied it, message = the intent and the plan's
// summary ("commit"); or, in "pull-request" mode, a plan is not applied at all:
// its stack file goes onto a branch of its own (pushed when the repository has
// the remote), for the pipeline to preview and, once merged, to apply. The
// working tree and the current branch are never touched in that mode.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { realpathSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import * as q from "../db/queries.ts";
import type { Deployment } from "../db/schema.ts";
import type { OrchestratorContext } from "./context.ts";
import { stackFilePath } from "./stack-file.ts";
import { BosunError, type ApplyResult } from "./types.ts";

export const GIT_RECORD_MODES = ["off", "commit", "pull-request"] as const;
export type GitRecordMode = (typeof GIT_RECORD_MODES)[number];

export function gitRecordModeOf(value: string | undefined): GitRecordMode {
  const mode = (value ?? "off").trim() || "off";
  if ((GIT_RECORD_MODES as readonly string[]).includes(mode)) return mode as GitRecordMode;
  throw new Error(`BOSUN_GIT_RECORD is "${mode}"; use one of ${GIT_RECORD_MODES.join(", ")}`);
}

function git(cwd: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = options.input;
    const child = spawn("git", args, { cwd, env: { ...process.env, ...options.env }, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`git ${args[0]} failed: ${err.trim() || `exit ${code}`}`))));
    if (input !== undefined && child.stdin) {
      child.stdin.on("error", () => {}); // git exiting early says why on stderr
      child.stdin.end(input);
    }
  });
}

/** The repository holding the stacks folder and the stack file's path in it; undefined outside git. */
async function repoOf(ctx: OrchestratorContext, stack: string): Promise<{ top: string; rel: string } | undefined> {
  const stacks = join(ctx.workDir, "stacks");
  const top = await git(stacks, ["rev-parse", "--show-toplevel"]).catch(() => undefined);
  if (!top) return undefined;
  return { top, rel: relative(realpathSync(top), join(realpathSync(stacks), `Pulumi.${stack}.yaml`)) };
}

/** The commit's identity: the token as author; bosun commits when git knows no committer. */
async function identity(top: string, actor: string): Promise<Record<string, string>> {
  const email = `${actor.replace(/[^A-Za-z0-9._-]/g, "-")}@bosun.invalid`;
  const env: Record<string, string> = { GIT_AUTHOR_NAME: actor, GIT_AUTHOR_EMAIL: email };
  const configured = await git(top, ["config", "user.email"]).catch(() => "");
  if (!configured) Object.assign(env, { GIT_COMMITTER_NAME: "bosun", GIT_COMMITTER_EMAIL: "bosun@bosun.invalid" });
  return env;
}

async function messageOf(ctx: OrchestratorContext, row: Deployment, what: string): Promise<string> {
  const intent = row.intentId ? (await q.getIntent(ctx.db, row.intentId))?.text : undefined;
  const counts = Object.entries(row.previewSummary ?? {})
    .filter(([op, n]) => op !== "same" && (n ?? 0) > 0)
    .map(([op, n]) => `${n} to ${op}`)
    .join(", ");
  const changes = (row.changes ?? [])
    .filter((c) => c.op !== "same")
    .map((c) => `  ${c.op} ${c.urn.split("::").pop() ?? c.urn} [${c.type.replace(/^pulumi-nodejs:dynamic\//, "")}]`);
  return [
    intent ?? `${what} stack ${row.stack}`,
    "",
    `${counts || "no resource changes"} (stack ${row.stack}, plan ${row.planId}, by ${row.actor})`,
    ...(changes.length ? ["", ...changes.slice(0, 60), ...(changes.length > 60 ? [`  … and ${changes.length - 60} more`] : [])] : []),
    ...((row.review?.findings ?? []).length ? ["", "Policy:", ...(row.review?.findings ?? []).map((f) => `  ${f.level} ${f.rule}: ${f.message}`)] : []),
  ].join("\n");
}

/** Commits the applied stack file; returns the commit, or undefined when there was nothing to commit or no repository. */
export async function commitApplied(ctx: OrchestratorContext, planId: string, actor: string): Promise<string | undefined> {
  const row = await q.getDeploymentByPlanId(ctx.db, planId);
  if (!row) return undefined;
  const repo = await repoOf(ctx, row.stack);
  if (!repo) return undefined;
  await git(repo.top, ["add", "--", repo.rel]);
  const staged = await git(repo.top, ["diff", "--cached", "--name-only", "--", repo.rel]);
  if (!staged) return undefined;
  await git(repo.top, ["commit", "--quiet", "-F", "-", "--", repo.rel], { env: await identity(repo.top, actor), input: await messageOf(ctx, row, "apply") });
  return git(repo.top, ["rev-parse", "HEAD"]);
}

/** The plan's stack file as a branch off HEAD, pushed to the remote when it exists; the plan is then closed here. */
export async function proposePlan(
  ctx: OrchestratorContext,
  planId: string,
  actor: string,
): Promise<{ stack: string; deploymentId: string; branch: string; commit: string; pushed: boolean; note?: string }> {
  const row = await q.getDeploymentByPlanId(ctx.db, planId);
  const artifact = await q.getPlanArtifact(ctx.db, planId);
  if (!row || !artifact) throw new BosunError("plan-unknown", `there is no plan ${planId} waiting to be applied`, "make a plan first and pass its planId");
  if (row.review?.decision === "deny")
    throw new BosunError("policy-denied", `plan ${planId} is refused by policy; it cannot be proposed`, "change the spec and plan again");
  const repo = await repoOf(ctx, row.stack);
  if (!repo) {
    throw new BosunError(
      "invalid-input",
      `pull-request mode needs the stacks folder in a git repository (${stackFilePath(ctx.workDir, row.stack)})`,
      "run git init there, or set BOSUN_GIT_RECORD=commit or off",
    );
  }
  const branch = `bosun/${row.stack}-${planId
    .replace(/^plan_/, "")
    .slice(0, 10)
    .replace(/[^A-Za-z0-9]/g, "x")}`;
  const index = join(ctx.scratchDir, `git-index-${randomBytes(4).toString("hex")}`);
  const env = { ...(await identity(repo.top, actor)), GIT_INDEX_FILE: index };
  try {
    const blob = await git(repo.top, ["hash-object", "-w", "--stdin"], { input: artifact.configText });
    await git(repo.top, ["read-tree", "HEAD"], { env });
    await git(repo.top, ["update-index", "--add", "--cacheinfo", `100644,${blob},${repo.rel}`], { env });
    const tree = await git(repo.top, ["write-tree"], { env });
    const commit = await git(repo.top, ["commit-tree", tree, "-p", "HEAD", "-F", "-"], { env, input: await messageOf(ctx, row, "propose") });
    await git(repo.top, ["update-ref", `refs/heads/${branch}`, commit]);
    const remote = process.env["BOSUN_GIT_REMOTE"] ?? "origin";
    const remotes = (await git(repo.top, ["remote"])).split("\n");
    let pushed = false;
    let note: string | undefined;
    if (remotes.includes(remote)) {
      try {
        await git(repo.top, ["push", "--quiet", remote, `${branch}:${branch}`]);
        pushed = true;
      } catch (err) {
        note = `the branch is local: pushing to ${remote} failed (${err instanceof Error ? err.message : String(err)})`;
      }
    } else note = `the branch is local: the repository has no remote ${remote}`;
    await q.cancelPlan(ctx.db, planId, ctx.now());
    await q.appendError(ctx.db, row.id, `proposed as branch ${branch} (${commit.slice(0, 12)}) for review instead of applied`);
    return { stack: row.stack, deploymentId: row.id, branch, commit, pushed, ...(note ? { note } : {}) };
  } finally {
    rmSync(index, { force: true });
  }
}

/** An apply as the installation records it: proposed instead (pull-request), or applied then committed (commit). */
export async function applyWithRecord(
  ctx: OrchestratorContext,
  mode: GitRecordMode,
  input: { planId: string; actor: string },
  apply: () => Promise<ApplyResult>,
): Promise<ApplyResult> {
  if (mode === "pull-request") {
    const p = await proposePlan(ctx, input.planId, input.actor);
    return {
      deploymentId: p.deploymentId,
      stack: p.stack,
      status: "proposed",
      outputs: {},
      counts: {},
      durationMs: 0,
      proposal: { branch: p.branch, commit: p.commit, pushed: p.pushed, ...(p.note ? { note: p.note } : {}) },
    };
  }
  const r = await apply();
  if (mode !== "commit" || r.status !== "succeeded") return r;
  // The infrastructure changed either way; a commit that fails is reported, never undone by a rollback.
  try {
    const commit = await commitApplied(ctx, input.planId, input.actor);
    return commit ? { ...r, commit } : r;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`bosun: applied ${input.planId}, but committing the stack file failed: ${message}`);
    return { ...r, commitError: message };
  }
}
