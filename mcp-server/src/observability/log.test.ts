// The logger: JSON lines with the current correlation, secrets masked in
// fields and in text, the root level governing every module's lines.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { annotate, correlation, withCorrelation } from "./context.ts";
import { componentLog, log, tapLogs } from "./log.ts";
import { maskSecrets, maskText } from "./mask.ts";

const lines: Record<string, unknown>[] = [];
let untap = () => {};
const capture = () => {
  lines.length = 0;
  untap = tapLogs((l) => lines.push(JSON.parse(l) as Record<string, unknown>), { divert: true });
};
afterEach(() => {
  untap();
  log.level = process.env["BOSUN_LOG_LEVEL"] ?? "info";
});

describe("log", () => {
  it("carries the correlation of the work it is written in, including what became known later", async () => {
    capture();
    log.level = "info";
    const logger = componentLog("test");
    await withCorrelation({ origin: "mcp", tool: "apply", requestId: 7 }, async () => {
      logger.info("first");
      await new Promise((r) => setTimeout(r, 1));
      annotate({ stack: "demo", deploymentId: "d-1" });
      logger.info({ step: 2 }, "second");
    });
    logger.info("outside");
    const [first, second, outside] = lines;
    expect(first?.["correlationId"]).toMatch(/^[0-9a-f]{12}$/);
    expect(second).toMatchObject({
      correlationId: first?.["correlationId"],
      tool: "apply",
      requestId: 7,
      stack: "demo",
      deploymentId: "d-1",
      step: 2,
      component: "test",
    });
    expect(outside?.["correlationId"]).toBeUndefined();
    expect(first?.["level"]).toBe("info");
  });

  it("masks secrets in fields and in message text", () => {
    capture();
    log.level = "info";
    componentLog("test").info(
      { apiSecret: "s3cr3t-value", nested: { token: "abc123456789", tokens: 3 }, url: "postgres://bosun:pw-value@127.0.0.1:5432/db" },
      "calling with Bearer bosun_abcdefghijklmnopqrstuvwx",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ["s3cr3t-value", "abc123456789", "pw-value", "bosun_abcdefghijklmnopqrstuvwx"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ apiSecret: "[redacted]", nested: { token: "[redacted]", tokens: 3 } });
    expect(lines[0]?.["msg"]).toBe("calling with Bearer [redacted]");
  });

  it("lets the root level decide for every module's logger", () => {
    capture();
    const logger = componentLog("engine");
    log.level = "info";
    logger.debug("hidden");
    log.level = "debug";
    logger.debug("shown");
    expect(lines.map((l) => l["msg"])).toEqual(["shown"]);
  });
});

describe("log format", () => {
  it("prints human-readable lines when asked (the default on a terminal), JSON otherwise", async () => {
    const script = `import { componentLog } from "./mcp-server/src/observability/log.ts"; componentLog("demo").info({ stack: "demo" }, "hello there");`;
    const run = (format: string) =>
      promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...process.env, BOSUN_LOG_FORMAT: format, BOSUN_LOG_LEVEL: "info" },
      });
    const json = (await run("json")).stderr.trim();
    expect(JSON.parse(json)).toMatchObject({ level: "info", component: "demo", stack: "demo", msg: "hello there" });
    const pretty = (await run("pretty")).stderr;
    expect(pretty).toMatch(/INFO.*hello there/);
    expect(pretty).toContain('component: "demo"');
    expect(pretty.trim().startsWith("{")).toBe(false);
  });
});

describe("mask", () => {
  it("leaves what is not secret alone", () => {
    expect(maskSecrets({ stack: "demo", count: 3, enabled: true, secret: false })).toEqual({ stack: "demo", count: 3, enabled: true, secret: false });
    expect(maskText("secure: v1:abc:def==")).toBe("secure: [redacted]");
  });
});

describe("correlation ids", () => {
  it("are 12 hex digits and do not repeat, past the pool they are drawn from", () => {
    const ids = Array.from({ length: 2000 }, () => withCorrelation({ origin: "test" }, () => correlation()?.correlationId));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
