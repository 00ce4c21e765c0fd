// The correlation of one piece of work: an MCP request (or a dashboard
// approval, a CLI run) and everything it causes in this process — its
// deployment, the engine's events, the providers' API calls. It travels in
// AsyncLocalStorage, so code in between needs no extra parameters; log.ts adds
// it to every log line, metrics and spans read it where they are made.
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";

/** MCP log levels (RFC 5424 order), as in `logging/setLevel`. */
export const MCP_LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;
export type McpLogLevel = (typeof MCP_LOG_LEVELS)[number];

export interface Correlation {
  /** Short random id on every log line of this piece of work. */
  correlationId: string;
  /** What started it: `mcp`, `dashboard`, `cli`, `recovery`. */
  origin: string;
  tool?: string;
  sessionId?: string;
  requestId?: string | number;
  actor?: string;
  /** Set once known (the work touches a stack, its deployment is claimed). */
  stack?: string;
  deploymentId?: string;
  /** Sends a log message to the MCP client that made this request (filtered by its `logging/setLevel`). */
  notify?: (level: McpLogLevel, data: Record<string, unknown>) => void;
}

const storage = new AsyncLocalStorage<Correlation>();

// Drawn from a pool: one call for randomness per 512 ids rather than per request.
let pool = Buffer.alloc(0);
let next = 0;

export function newCorrelationId(): string {
  if (next + 6 > pool.length) {
    pool = randomBytes(6 * 512);
    next = 0;
  }
  next += 6;
  return pool.toString("hex", next - 6, next);
}

/** Runs `fn` as a new piece of work (or a part of the current one, keeping its id). */
export function withCorrelation<T>(fields: Partial<Correlation> & { origin: string }, fn: () => T): T {
  const parent = storage.getStore();
  const store: Correlation = { ...parent, correlationId: parent?.correlationId ?? newCorrelationId(), ...fields };
  return storage.run(store, fn);
}

/** Runs `fn` in a correlation captured earlier (a callback that fires from elsewhere). */
export function inCorrelation<T>(store: Correlation | undefined, fn: () => T): T {
  return store ? storage.run(store, fn) : fn();
}

export function correlation(): Correlation | undefined {
  return storage.getStore();
}

/** Records what became known about the current work (its stack, its deployment). */
export function annotate(fields: { stack?: string; deploymentId?: string }): void {
  const store = storage.getStore();
  if (!store) return;
  if (fields.stack) store.stack = fields.stack;
  if (fields.deploymentId) store.deploymentId = fields.deploymentId;
}

/** The fields a log line carries. */
export function correlationFields(store: Correlation | undefined = storage.getStore()): Record<string, string | number> {
  if (!store) return {};
  const out: Record<string, string | number> = { correlationId: store.correlationId };
  for (const key of ["origin", "tool", "sessionId", "requestId", "actor", "stack", "deploymentId"] as const) {
    const v = store[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

export function mcpLevelAllows(threshold: McpLogLevel, level: McpLogLevel): boolean {
  return MCP_LOG_LEVELS.indexOf(level) >= MCP_LOG_LEVELS.indexOf(threshold);
}
