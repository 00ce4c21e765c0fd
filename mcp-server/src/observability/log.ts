// bosun's logger: structured JSON lines (pino) on stderr — stdout belongs to
// the MCP stdio protocol — with the current correlation (context.ts) and trace
// ids on every line and secrets masked (mask.ts). On a terminal the lines are
// printed human-readable (pino-pretty) instead.
//
// BOSUN_LOG_LEVEL: trace | debug | info (default) | warn | error | silent.
// BOSUN_LOG_FORMAT: json | pretty (default: pretty on a TTY, else json).
import { trace } from "@opentelemetry/api";
import { pino, type Logger } from "pino";
import { prettyFactory } from "pino-pretty";
import { correlationFields } from "./context.ts";
import { maskSecrets, maskText } from "./mask.ts";

type Tap = (line: string) => void;
const taps = new Set<Tap>();
/** Taps that take the lines instead of the terminal (a test that raises the level to debug). */
let diverted = 0;

function chooseFormat(env: NodeJS.ProcessEnv): (line: string) => string {
  const format = env["BOSUN_LOG_FORMAT"] ?? (process.stderr.isTTY ? "pretty" : "json");
  if (format !== "pretty") return (line) => line;
  return prettyFactory({ colorize: Boolean(process.stderr.isTTY), translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" });
}

const format = chooseFormat(process.env);

// Off a terminal, lines written in one turn of the event loop go out in one
// write: stderr to a file or pipe is synchronous, and a write per line was a
// system call per tool call under load. What is pending goes out on exit too
// (a crash included). A person at a terminal sees each line as it comes.
const direct = Boolean(process.stderr.isTTY);
let pending = "";
function write(line: string): void {
  if (direct) return void process.stderr.write(format(line));
  if (pending === "") setImmediate(flushLogs);
  pending += format(line);
}

/** Writes out the lines still pending (tests that capture stderr call it before they stop). */
export function flushLogs(): void {
  if (pending === "") return;
  const out = pending;
  pending = "";
  process.stderr.write(out);
}
process.on("exit", flushLogs);

/** The process's logger; modules use `componentLog("…")`. */
export const log: Logger = pino(
  {
    level: process.env["BOSUN_LOG_LEVEL"] ?? "info",
    base: { service: "bosun", pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => maskSecrets(obj) as Record<string, unknown>,
    },
    mixin() {
      const span = trace.getActiveSpan()?.spanContext();
      return { ...correlationFields(), ...(span && span.traceFlags & 1 ? { traceId: span.traceId, spanId: span.spanId } : {}) };
    },
    hooks: {
      // Messages are text the formatters never see.
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === "string" ? maskText(a) : a)) as Parameters<typeof method>);
      },
    },
  },
  {
    write(line: string) {
      for (const tap of taps) tap(line);
      if (diverted === 0) write(line);
    },
  },
);

type Fields = Record<string, unknown>;
type LogFn = { (msg: string): void; (fields: Fields, msg: string): void };
export interface ComponentLog {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

/**
 * A module's logger: lines carry `component`. Unlike pino's children it has no
 * level of its own, so `log.level` (set once, or by a test) governs every module.
 */
export function componentLog(component: string): ComponentLog {
  const at =
    (level: "debug" | "info" | "warn" | "error"): LogFn =>
    (a: string | Fields, msg?: string) => {
      if (typeof a === "string") log[level]({ component }, a);
      else log[level]({ component, ...a }, msg ?? "");
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Receives every JSON log line written from now on; with `divert`, instead of stderr. Returns the removal. */
export function tapLogs(tap: Tap, options: { divert?: boolean } = {}): () => void {
  const t: Tap = (line) => tap(line);
  taps.add(t);
  if (options.divert) diverted++;
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    taps.delete(t);
    if (options.divert) diverted--;
  };
}

export function errorText(err: unknown): string {
  return maskText(err instanceof Error ? err.message : String(err));
}

/**
 * A `.catch` handler for work whose failure must not stop the caller (a notice, a
 * cleanup, a second record of a failure already reported): the error is logged
 * with its stack, masked, and dropped, never swallowed unseen.
 */
export function logFailure(component: string, what: string): (err: unknown) => void {
  return (err) => {
    const fields = err instanceof Error ? { err: { message: maskText(err.message), stack: maskText(err.stack ?? "") } } : { err: maskText(String(err)) };
    log.warn({ component, ...fields }, `${what} failed; carrying on`);
  };
}
