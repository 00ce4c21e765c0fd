// The engine commands of the CLI, one per MCP tool: apply, approve, status,
// history, drift, rollback, destroy (plan is plan.ts). Human output by
// default, --json for scripts, and the exit codes of output.ts.
import type { Orchestrator } from "../orchestrator/types.ts";
import { startRuntime } from "../runtime.ts";
import { approvalLines } from "../tools/approve.ts";
import { cliActor, cliErrorOf, EXIT_DRIFT, EXIT_NEEDS_ANSWER, parseOptions, planExit, printPlan, projectDir, stackArg } from "./output.ts";
import { CliError, EXIT_OK, EXIT_USAGE, checkStackName, type Io } from "./translate.ts";

/** Runs `fn` on a runtime of this process; BosunErrors become CliErrors with their exit codes. */
export async function withOrchestrator(fn: (orch: Orchestrator) => Promise<number>): Promise<number> {
  const runtime = await startRuntime(process.env, "cli", { workDir: projectDir() });
  try {
    return await fn(runtime.context.orchestrator);
  } catch (err) {
    throw cliErrorOf(err);
  } finally {
    await runtime.close();
  }
}

const APPLY_USAGE = "usage: bosun apply <planId> [--json]";

export async function applyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, {}, APPLY_USAGE);
  if (values.help) return (io.out(APPLY_USAGE), EXIT_OK);
  const planId = positionals[0];
  if (!planId) throw new CliError(`give the planId.\n${APPLY_USAGE}`, EXIT_USAGE);
  const actor = cliActor();
  return withOrchestrator(async (orch) => {
    const r = await orch.apply({
      planId,
      actor,
      onProgress: (e) => values.json !== true && e.kind === "resource-outputs" && io.out(`  ${e.message} (${e.done}/${e.total})`),
    });
    if (values.json) io.out(JSON.stringify(r, null, 2));
    else if (r.status === "succeeded")
      io.out(
        `Applied ${planId} to ${r.stack} in ${(r.durationMs / 1000).toFixed(1)} s (deployment ${r.deploymentId}).${r.commit ? ` Committed as ${r.commit.slice(0, 12)}.` : ""}`,
      );
    else if (r.status === "proposed")
      io.out(`Not applied: proposed on branch ${r.proposal?.branch} (${r.proposal?.pushed ? "pushed" : (r.proposal?.note ?? "local")}).`);
    else {
      io.err(`The update of ${r.stack} failed: ${r.error}`);
      // No rollback: the failure says why (a manual step on the box keeps what was made).
      if (r.rollback)
        io.err(
          r.rollback.status === "succeeded"
            ? "Rolled back to the last good spec; the stack is as it was."
            : `The automatic rollback failed too: ${r.rollback.error}`,
        );
    }
    return r.status === "succeeded" || r.status === "proposed" ? EXIT_OK : 1;
  });
}

const APPROVE_USAGE = `usage: bosun approve <planId> [--note "why"] [--json]
  Records your approval (as the token in BOSUN_TOKEN, else cli:<user>).`;

export async function approveCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { note: { type: "string" } }, APPROVE_USAGE);
  if (values.help) return (io.out(APPROVE_USAGE), EXIT_OK);
  const planId = positionals[0];
  if (!planId) throw new CliError(`give the planId.\n${APPROVE_USAGE}`, EXIT_USAGE);
  const actor = cliActor();
  return withOrchestrator(async (orch) => {
    const s = await orch.approve({ planId, actor, via: "cli", ...(typeof values.note === "string" ? { note: values.note } : {}) });
    io.out(values.json ? JSON.stringify(s, null, 2) : approvalLines(s));
    return s.satisfied ? EXIT_OK : EXIT_NEEDS_ANSWER;
  });
}

const STATUS_USAGE = "usage: bosun status --stack S [--json]";

export async function statusCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { stack: { type: "string" } }, STATUS_USAGE);
  if (values.help) return (io.out(STATUS_USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, STATUS_USAGE));
  return withOrchestrator(async (orch) => {
    const s = await orch.status(stack);
    if (values.json) io.out(JSON.stringify(s, null, 2));
    else {
      const last = s.lastDeployment
        ? `${s.lastDeployment.kind} ${s.lastDeployment.status} by ${s.lastDeployment.actor} at ${s.lastDeployment.finishedAt ?? s.lastDeployment.createdAt}`
        : "none";
      io.out(`Stack ${stack}: ${s.resources.length} resources; last deployment: ${last}`);
      io.out(`Outputs: ${JSON.stringify(s.outputs, null, 2)}`);
    }
    return EXIT_OK;
  });
}

const HISTORY_USAGE = "usage: bosun history --stack S [--limit N] [--json]";

export async function historyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { stack: { type: "string" }, limit: { type: "string", default: "20" } }, HISTORY_USAGE);
  if (values.help) return (io.out(HISTORY_USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, HISTORY_USAGE));
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new CliError("--limit is a whole number from 1 to 200", EXIT_USAGE);
  return withOrchestrator(async (orch) => {
    const list = await orch.history(stack, limit);
    if (values.json) io.out(JSON.stringify(list, null, 2));
    else if (list.length === 0) io.out(`no deployments of ${stack} yet`);
    else for (const d of list) io.out(`${d.createdAt} ${d.kind} ${d.status} by ${d.actor}${d.error ? `: ${d.error}` : ""} (${d.id})`);
    return EXIT_OK;
  });
}

const DRIFT_USAGE = "usage: bosun drift --stack S [--json]   (exit 5 when the infrastructure differs)";

export async function driftCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { stack: { type: "string" } }, DRIFT_USAGE);
  if (values.help) return (io.out(DRIFT_USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, DRIFT_USAGE));
  return withOrchestrator(async (orch) => {
    const d = await orch.drift({ stack, actor: cliActor() });
    io.out(values.json ? JSON.stringify(d, null, 2) : d.text);
    return d.drifted.length > 0 ? EXIT_DRIFT : EXIT_OK;
  });
}

const ROLLBACK_USAGE = "usage: bosun rollback --stack S (--deployment ID | --at TIME) [--json]   (plans; bosun apply carries it out)";

export async function rollbackCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { stack: { type: "string" }, deployment: { type: "string" }, at: { type: "string" } }, ROLLBACK_USAGE);
  if (values.help) return (io.out(ROLLBACK_USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, ROLLBACK_USAGE));
  const deploymentId = typeof values.deployment === "string" ? values.deployment : undefined;
  const at = typeof values.at === "string" ? values.at : undefined;
  if (!deploymentId === !at) throw new CliError(`give exactly one of --deployment or --at.\n${ROLLBACK_USAGE}`, EXIT_USAGE);
  return withOrchestrator(async (orch) => {
    const plan = await orch.planRollback({ stack, actor: cliActor(), ...(deploymentId ? { deploymentId } : {}), ...(at ? { at } : {}) });
    if (values.json) io.out(JSON.stringify(plan, null, 2));
    else printPlan(io, plan);
    return planExit(plan);
  });
}

const DESTROY_USAGE = "usage: bosun destroy --stack S [--service NAME] [--json]   (plans; bosun apply carries it out)";

export async function destroyCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseOptions(args, { stack: { type: "string" }, service: { type: "string" } }, DESTROY_USAGE);
  if (values.help) return (io.out(DESTROY_USAGE), EXIT_OK);
  const stack = checkStackName(stackArg(values, positionals, DESTROY_USAGE));
  return withOrchestrator(async (orch) => {
    const plan = await orch.planDestroy({ stack, actor: cliActor(), ...(typeof values.service === "string" ? { service: values.service } : {}) });
    if (values.json) io.out(JSON.stringify(plan, null, 2));
    else printPlan(io, plan);
    return planExit(plan);
  });
}
