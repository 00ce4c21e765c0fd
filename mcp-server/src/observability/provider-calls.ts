// The receiving end of providers/kit/calls.ts: a unix socket this process
// listens on, named to the engine through BOSUN_PROVIDER_CALLS. Each line is
// one API call made in a dynamic-provider process; it is counted, logged and
// traced as part of the engine operation running on its stack (engine.ts), so
// it carries that operation's correlation id and sits under its span.
import { chmodSync, rmSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import type { ApiCallReport } from "../../../providers/kit/calls.ts";
import { inCorrelation } from "./context.ts";
import { componentLog } from "./log.ts";
import { metrics } from "./metrics.ts";
import { recordSpan } from "./trace.ts";
import { runningOperation } from "./engine-ops.ts";

const logger = componentLog("provider");

let server: Server | undefined;
let socketPath: string | undefined;

/** Where providers report (listening from the first call on); undefined where sockets cannot be made. */
export function providerCallSocket(): string | undefined {
  if (socketPath) return socketPath;
  const path = join(tmpdir(), `bosun-calls-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
  const s = createServer((conn) => {
    let buffered = "";
    conn.setEncoding("utf8");
    conn.on("data", (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf("\n");
      while (nl >= 0) {
        receive(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        nl = buffered.indexOf("\n");
      }
      if (buffered.length > 64_000) buffered = ""; // not ours
    });
    conn.on("error", () => {});
  });
  s.on("error", (err) => logger.warn({ err: err.message }, "provider call socket failed; provider API calls are not counted"));
  s.listen(path, () => {
    // Only this user may report.
    try {
      chmodSync(path, 0o600);
    } catch {
      // the socket is gone already
    }
  });
  s.unref();
  process.once("exit", () => rmSync(path, { force: true }));
  server = s;
  socketPath = path;
  return path;
}

/** What the engine's environment needs so its providers report their API calls. */
export function observedEnv(stack: string): Record<string, string> {
  const socket = providerCallSocket();
  return socket ? { BOSUN_PROVIDER_CALLS: socket, BOSUN_STACK: stack } : {};
}

/** Stops listening (tests); the next providerCallSocket() starts again. */
export async function closeProviderCallSocket(): Promise<void> {
  const s = server;
  const path = socketPath;
  server = undefined;
  socketPath = undefined;
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  if (path) rmSync(path, { force: true });
}

export function receive(line: string): void {
  let r: ApiCallReport;
  try {
    r = JSON.parse(line) as ApiCallReport;
  } catch {
    return;
  }
  if (r?.v !== 1 || typeof r.provider !== "string" || typeof r.endpoint !== "string") return;
  const labels = { provider: r.provider, method: String(r.method), endpoint: r.endpoint.slice(0, 120) };
  const failed = r.status === null || r.status >= 400;
  metrics.providerCalls.inc(labels);
  if (failed) metrics.providerErrors.inc(labels);
  metrics.providerDuration.observe({ provider: r.provider }, Math.max(0, r.ms) / 1000);
  const op = runningOperation(r.stack);
  inCorrelation(op?.correlation, () => {
    logger.debug(
      { ...labels, status: r.status, ms: r.ms, ...(r.error ? { error: r.error } : {}) },
      `${r.provider} ${labels.method} ${labels.endpoint} → ${r.status ?? r.error ?? "no answer"}`,
    );
  });
  recordSpan(
    `${r.provider} ${labels.method} ${labels.endpoint}`,
    {
      "bosun.provider": r.provider,
      "http.request.method": labels.method,
      "url.path": labels.endpoint,
      ...(r.status !== null ? { "http.response.status_code": r.status } : {}),
      "bosun.stack": r.stack,
    },
    r.at - r.ms,
    r.at,
    op?.spanContext,
    failed,
  );
}
