// OpenTelemetry traces: a span per MCP tool call, per orchestrator operation,
// per engine operation and per provider API call. Exported over OTLP/HTTP only
// when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set; otherwise nothing is registered and the API's tracer is a no-op, so
// spans cost a function call. The exporter reads the standard OTEL_* variables
// (headers, timeout) itself.
import { type Attributes, type Context, type Span, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const tracer = () => trace.getTracer("bosun");

export interface Tracing {
  enabled: boolean;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

let active: NodeTracerProvider | undefined;

/** Starts exporting when an OTLP endpoint is configured. Idempotent per process. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing {
  const endpoint = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_ENDPOINT"];
  if (!endpoint || env["OTEL_SDK_DISABLED"] === "true") return { enabled: false, shutdown: async () => {} };
  if (!active) {
    const url = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? `${endpoint.replace(/\/$/, "")}/v1/traces`;
    active = new NodeTracerProvider({
      resource: resourceFromAttributes({ "service.name": env["OTEL_SERVICE_NAME"] ?? "bosun" }),
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1000 })],
    });
    active.register();
  }
  const provider = active;
  return {
    enabled: true,
    async shutdown() {
      if (active !== provider) return;
      active = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/** Runs `fn` in a new active span; the span ends with `fn`, marked as an error if it throws. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span for something that already happened elsewhere (a provider's API call, reported afterwards). */
export function recordSpan(name: string, attributes: Attributes, startMs: number, endMs: number, parent: Context | undefined, failed: boolean): void {
  const span = tracer().startSpan(name, { attributes, startTime: startMs }, parent ?? context.active());
  if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(endMs);
}

export function activeContext(): Context {
  return context.active();
}
