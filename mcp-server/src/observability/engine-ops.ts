// Engine operations (preview, up, refresh, destroy) as they run: each gets a
// span, a duration, counted steps and logs, and is registered as the stack's
// running operation so reports from the provider process (provider-calls.ts)
// can be attributed to it. One engine operation runs per stack at a time in a
// process (orchestrator/session.ts), which makes the stack a sufficient key.
import { stripVTControlCharacters } from "node:util";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import type { Context } from "@opentelemetry/api";
import { type Correlation, annotate, correlation, inCorrelation } from "./context.ts";
import { componentLog } from "./log.ts";
import { metrics, providerOfType } from "./metrics.ts";
import { activeContext, inSpan } from "./trace.ts";

const logger = componentLog("engine");

interface RunningOperation {
  operation: string;
  correlation: Correlation | undefined;
  spanContext: Context;
}

const running = new Map<string, RunningOperation>();

export function runningOperation(stack: string): RunningOperation | undefined {
  return running.get(stack);
}

const OPERATIONS = ["preview", "up", "refresh", "destroy"] as const;
type EngineOptions = { onEvent?: (event: EngineEvent) => void } | undefined;

/** Wraps a stack's engine operations (once per Stack object). */
export function observeStack(stack: Stack): Stack {
  const marked = stack as Stack & { __bosunObserved?: true };
  if (marked.__bosunObserved) return stack;
  marked.__bosunObserved = true;
  for (const operation of OPERATIONS) {
    const original = (stack[operation] as (opts?: EngineOptions) => Promise<unknown>).bind(stack);
    (stack as unknown as Record<string, unknown>)[operation] = (opts?: EngineOptions) => runObserved(stack.name, operation, opts, original);
  }
  return stack;
}

async function runObserved(stack: string, operation: string, opts: EngineOptions, original: (opts?: EngineOptions) => Promise<unknown>): Promise<unknown> {
  const refresh = operation === "preview" && Boolean((opts as { refresh?: boolean } | undefined)?.refresh);
  const name = refresh ? "refresh-preview" : operation;
  annotate({ stack });
  return inSpan(`engine ${name}`, { "bosun.stack": stack, "bosun.engine.operation": name }, async (span) => {
    const started = Date.now();
    const caller = correlation();
    running.set(stack, { operation: name, correlation: caller, spanContext: activeContext() });
    const steps = { done: 0, failed: 0 };
    // The Automation API reads engine events from a file it tails, outside the caller's async context.
    const onEvent = (event: EngineEvent) =>
      inCorrelation(caller, () => {
        countStep(event, name, steps);
        opts?.onEvent?.(event);
      });
    logger.info({ operation: name }, `engine ${name} of ${stack} started`);
    try {
      const result = await original({ ...opts, onEvent });
      metrics.engineDuration.observe({ operation: name, stack, outcome: "ok" }, (Date.now() - started) / 1000);
      span.setAttributes({ "bosun.engine.steps": steps.done, "bosun.engine.failed_steps": steps.failed });
      logger.info({ operation: name, ms: Date.now() - started, steps: steps.done }, `engine ${name} of ${stack} finished`);
      return result;
    } catch (err) {
      metrics.engineDuration.observe({ operation: name, stack, outcome: "failed" }, (Date.now() - started) / 1000);
      logger.warn({ operation: name, ms: Date.now() - started, err: firstLine(err) }, `engine ${name} of ${stack} failed`);
      throw err;
    } finally {
      if (running.get(stack)?.operation === name) running.delete(stack);
    }
  });
}

function countStep(event: EngineEvent, operation: string, steps: { done: number; failed: number }): void {
  const done = event.resOutputsEvent?.metadata;
  const failed = event.resOpFailedEvent?.metadata;
  const meta = done ?? failed;
  if (meta) {
    const provider = providerOfType(meta.type);
    if (!provider || meta.op === "same") return;
    const outcome = failed ? "failed" : "ok";
    if (failed) steps.failed += 1;
    else steps.done += 1;
    metrics.engineSteps.inc({ operation, provider, type: meta.type.split(":").pop() ?? meta.type, op: meta.op, outcome });
    logger.debug({ operation, urn: meta.urn, op: meta.op, outcome }, `${meta.op} ${meta.urn.split("::").pop()} ${outcome}`);
    return;
  }
  const diag = event.diagnosticEvent;
  if (diag && !diag.ephemeral && (diag.severity === "error" || diag.severity === "warning")) {
    const text = stripVTControlCharacters(diag.message).trim();
    // bosun's own setup (the dynamic-provider plugin is on PATH by design), not news.
    if (/^using pulumi-resource-[\w-]+ from \$PATH/.test(text)) return;
    logger.warn({ operation, severity: diag.severity, urn: diag.urn }, text.slice(0, 500));
  }
}

function firstLine(err: unknown): string {
  return ((err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "").slice(0, 300);
}
