// What the orchestrator's parts share: the log, locks, the per-stack sessions,
// where the project lives, and who this process is.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { Db } from "../db/client.ts";
import { LockBusyError, type LockManager, type StackLock } from "../coordination/locks.ts";
import type { EventBus } from "../coordination/events.ts";
import type { StackSessions } from "./session.ts";
import { stateStamp, stateVersion } from "./state-version.ts";
import { BosunError } from "./types.ts";
import { observePublished } from "../observability/events.ts";
import { logFailure } from "../observability/log.ts";

export const PROJECT = "bosun";

export interface OrchestratorContext {
  db: Db;
  locks: LockManager;
  events?: EventBus;
  sessions: StackSessions;
  workDir: string;
  /** Environment for the Pulumi CLI and the program (backend, passphrase). */
  env: Record<string, string>;
  now(): Date;
  planTtlMs: number;
  /** A running deployment whose heartbeat is older than this is taken over by recovery. */
  leaseMs: number;
  /** This process, as recorded on the deployments it runs: host:pid:random. */
  owner: string;
  /** Keep and enforce the engine's own update plan (`preview --save-plan`, `up --plan`). */
  enginePlans: boolean;
  /** Private folder (0700) for a plan's config file and engine plan while they are used. */
  scratchDir: string;
}

export function processOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export function scratchDirFor(stateDir: string): string {
  const dir = join(stateDir, "plans");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function backendUrl(ctx: Pick<OrchestratorContext, "env">): string | undefined {
  return ctx.env["PULUMI_BACKEND_URL"] ?? process.env["PULUMI_BACKEND_URL"];
}

/** The stack's state version on any backend (see state-version.ts); the CLI's update history as the last resort. */
export function stackStateVersion(ctx: OrchestratorContext, stack: Stack): Promise<string> {
  return stateVersion(backendUrl(ctx), PROJECT, stack.name, async () => {
    const [last] = await stack.history(1, 1);
    return last ? `update-${last.version}-${last.endTime ?? last.startTime}` : "none";
  });
}

/** A cheap token that moves with the stack's state (state-version.ts stateStamp); "" when only the CLI could tell. */
export function stackStateStamp(ctx: OrchestratorContext, stack: string): Promise<string> {
  return stateStamp(backendUrl(ctx), PROJECT, stack, async () => "");
}

export async function publish(ctx: OrchestratorContext, stack: string, type: string, deploymentId: string | undefined, payload?: unknown): Promise<void> {
  observePublished(stack, type, deploymentId, payload);
  await ctx.events?.publish({ stack, type, ...(deploymentId ? { deploymentId } : {}), payload }).catch(logFailure("events", `publishing ${type}`));
}

export async function lockStack(ctx: OrchestratorContext, stack: string, operation: string, actor: string, waitMs = 0): Promise<StackLock> {
  try {
    return await ctx.locks.acquire(stack, { operation, actor, waitMs });
  } catch (err) {
    if (err instanceof LockBusyError) throw new BosunError("busy", err.message, "another operation is running on this stack; try again in a moment");
    throw err;
  }
}
