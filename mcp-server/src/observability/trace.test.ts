// Traces: off (no provider, no-op spans) without an OTLP endpoint; with one,
// spans go to a local OTLP/HTTP receiver this test starts, nested as they ran.
import { trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { startOtlpReceiver } from "../../../test/support/otlp-receiver.ts";
import { activeContext, inSpan, recordSpan, startTracing } from "./trace.ts";

const receiver = await startOtlpReceiver();
afterAll(() => receiver.stop());

describe("tracing", () => {
  it("is off without an endpoint: nothing registered, spans do not record", async () => {
    const tracing = startTracing({});
    expect(tracing.enabled).toBe(false);
    await inSpan("nothing", {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(trace.getActiveSpan()?.spanContext().traceFlags ?? 0).toBe(0);
    });
    expect(receiver.requests).toBe(0);
  });

  it("exports nested spans and recorded ones over OTLP when an endpoint is set", async () => {
    const tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: "bosun-test" });
    expect(tracing.enabled).toBe(true);
    await inSpan("outer", { "bosun.stack": "demo" }, async () => {
      await inSpan("inner", {}, async () => {});
      const now = Date.now();
      recordSpan("provider call", { "bosun.provider": "docker" }, now - 5, now, activeContext(), true);
    });
    await expect(inSpan("failing", {}, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await tracing.shutdown();
    const outer = await receiver.waitFor((s) => s.name === "outer");
    const inner = await receiver.waitFor((s) => s.name === "inner");
    const call = await receiver.waitFor((s) => s.name === "provider call");
    expect(outer.service).toBe("bosun-test");
    expect(outer.attributes["bosun.stack"]).toBe("demo");
    expect(inner.parentSpanId).toBe(outer.spanId);
    expect(call.parentSpanId).toBe(outer.spanId);
    expect(call.traceId).toBe(outer.traceId);
    await receiver.waitFor((s) => s.name === "failing");
    // Shut down: the global provider is gone again.
    await inSpan("after", {}, async (span) => expect(span.isRecording()).toBe(false));
  });
});
