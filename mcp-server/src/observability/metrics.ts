// bosun's Prometheus metrics (prom-client), one registry per process, served
// at /metrics (web/observability.ts). Counters and histograms are updated
// where things happen (the hooks in this folder); gauges that describe state
// (deployments, queues, sessions) are read at scrape time from their owners,
// which register themselves as sources.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const seconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];
const fast = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metrics = {
  toolCalls: new Counter({
    name: "bosun_mcp_tool_calls_total",
    help: "MCP tool calls by tool and outcome (ok, error = a tool error result, failed = an exception)",
    labelNames: ["tool", "outcome"],
    registers: [registry],
  }),
  toolDuration: new Histogram({
    name: "bosun_mcp_tool_duration_seconds",
    help: "MCP tool call duration",
    labelNames: ["tool"],
    buckets: seconds,
    registers: [registry],
  }),
  sessions: new Gauge({ name: "bosun_mcp_sessions_active", help: "Connected MCP sessions by transport", labelNames: ["transport"], registers: [registry] }),
  planDuration: new Histogram({
    name: "bosun_plan_duration_seconds",
    help: "Plans (engine previews of apply, rollback and destroy plans) by stack, kind and outcome",
    labelNames: ["stack", "kind", "outcome"],
    buckets: seconds,
    registers: [registry],
  }),
  applyDuration: new Histogram({
    name: "bosun_apply_duration_seconds",
    help: "Applies by stack and result status (succeeded, rolled-back, rollback-failed, refused, failed)",
    labelNames: ["stack", "status"],
    buckets: seconds,
    registers: [registry],
  }),
  driftDuration: new Histogram({
    name: "bosun_drift_duration_seconds",
    help: "Drift checks (refresh previews) by stack and outcome (clean, drifted, failed)",
    labelNames: ["stack", "outcome"],
    buckets: seconds,
    registers: [registry],
  }),
  engineDuration: new Histogram({
    name: "bosun_engine_operation_duration_seconds",
    help: "Pulumi engine operations (preview, up, refresh, destroy) by stack and outcome",
    labelNames: ["operation", "stack", "outcome"],
    buckets: seconds,
    registers: [registry],
  }),
  engineSteps: new Counter({
    name: "bosun_engine_steps_total",
    help: "Resource steps the engine finished, by engine operation (preview steps only plan), provider, resource type, step and outcome",
    labelNames: ["operation", "provider", "type", "op", "outcome"],
    registers: [registry],
  }),
  providerCalls: new Counter({
    name: "bosun_provider_api_calls_total",
    help: "HTTP calls the providers made to their APIs (each attempt), by provider, method and endpoint (ids templated)",
    labelNames: ["provider", "method", "endpoint"],
    registers: [registry],
  }),
  providerErrors: new Counter({
    name: "bosun_provider_api_errors_total",
    help: "Provider API calls that failed (no answer, or HTTP status 400 and above), by provider, method and endpoint",
    labelNames: ["provider", "method", "endpoint"],
    registers: [registry],
  }),
  providerDuration: new Histogram({
    name: "bosun_provider_api_call_duration_seconds",
    help: "Provider API call duration by provider",
    labelNames: ["provider"],
    buckets: fast,
    registers: [registry],
  }),
  lockWait: new Histogram({
    name: "bosun_lock_wait_seconds",
    help: "Time spent acquiring a stack lock, by stack and outcome (acquired, busy)",
    labelNames: ["stack", "outcome"],
    buckets: fast,
    registers: [registry],
  }),
  cache: new Counter({
    name: "bosun_cache_requests_total",
    help: "Cache lookups by cache and result (hit, miss)",
    labelNames: ["cache", "result"],
    registers: [registry],
  }),
};

/** Something that reports state at scrape time. */
export interface StateSource {
  /** Engine operations queued or running per stack in this process. */
  queued?(): Promise<Record<string, number>>;
  /** Apply jobs waiting or running on the shared queue (Redis), when there is one. */
  jobs?(): Promise<number | undefined>;
  /** Deployments per stack and status, from the deployment log; `key` identifies the log so it is counted once. */
  deployments?: { key: object; count(): Promise<{ stack: string; status: string; count: number }[]> };
}

const sources = new Set<StateSource>();

/** Registers a source; returns its removal. */
export function addStateSource(source: StateSource): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}

new Gauge({
  name: "bosun_engine_queue_depth",
  help: "Engine operations queued or running per stack in this process",
  labelNames: ["stack"],
  registers: [registry],
  async collect() {
    this.reset();
    const totals = new Map<string, number>();
    for (const s of sources) {
      const queued: Record<string, number> = (await s.queued?.().catch(() => undefined)) ?? {};
      for (const [stack, n] of Object.entries(queued)) totals.set(stack, (totals.get(stack) ?? 0) + n);
    }
    for (const [stack, n] of totals) this.set({ stack }, n);
  },
});

new Gauge({
  name: "bosun_apply_jobs_queued",
  help: "Apply jobs waiting or running on the shared queue (BullMQ on Redis); 0 when applies run in-process",
  registers: [registry],
  async collect() {
    this.reset();
    let total: number | undefined;
    for (const s of sources) {
      const n = await s.jobs?.().catch(() => undefined);
      if (n !== undefined) total = (total ?? 0) + n;
    }
    if (total !== undefined) this.set(total);
  },
});

new Gauge({
  name: "bosun_deployments",
  help: "Deployments in the deployment log by stack and status",
  labelNames: ["stack", "status"],
  registers: [registry],
  async collect() {
    this.reset();
    const seen = new Set<object>();
    for (const s of sources) {
      if (!s.deployments || seen.has(s.deployments.key)) continue;
      seen.add(s.deployments.key);
      for (const row of await s.deployments.count().catch(() => [])) this.inc({ stack: row.stack, status: row.status }, row.count);
    }
  },
});

/** The provider a resource type belongs to: `pulumi-nodejs:dynamic/opnsense:Vlan` → `opnsense`. */
export function providerOfType(type: string): string | undefined {
  const m = /^pulumi-nodejs:dynamic\/([\w-]+):/.exec(type);
  if (m) return m[1];
  if (type.startsWith("pulumi:") || type.startsWith("bosun:")) return undefined;
  return type.split(":")[0];
}
