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

function chooseWriter(env: NodeJS.ProcessEnv): (line: string) => void {
  const format = env["BOSUN_LOG_FORMAT"] ?? (process.stderr.isTTY ? "pretty" : "json");
  if (format !== "pretty") return (line) => void process.stderr.write(line);
  const prettify = prettyFactory({ colorize: Boolean(process.stderr.isTTY), translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname,service" });
  return (line) => void process.stderr.write(prettify(line));
}

const write = chooseWriter(process.env);

/** The process's logger; use `log.child({ component: "…" })` per module. */
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
      write(line);
    },
  },
);

/** Receives every JSON log line written from now on (tests, and anyone who wants the raw stream). */
export function tapLogs(tap: Tap): () => void {
  taps.add(tap);
  return () => void taps.delete(tap);
}

export function errorText(err: unknown): string {
  return maskText(err instanceof Error ? err.message : String(err));
}
