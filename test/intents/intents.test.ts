import { describe, expect, it } from "vitest";
import { CASES } from "./cases.ts";
import { checkCase, runEvaluation } from "./evaluate.ts";

describe("intent cases", () => {
  it("has enough varied cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(90);
    const categories = new Set(CASES.map((c) => c.category));
    expect([...categories].sort()).toEqual(["app", "game", "infra", "modify", "question", "refusal", "remove"]);
    // The same words may be a case on several starting specs, never twice on one.
    expect(new Set(CASES.map((c) => `${c.current ?? "empty"}: ${c.text}`)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c) => [`[${c.category}] ${c.text || "(empty)"}${c.current !== undefined ? ` (on ${c.current})` : ""}`, c] as const))("%s", (_label, c) => {
    expect(checkCase(c).problems).toEqual([]);
  });

  it("reports accuracy and time per intent", () => {
    const report = runEvaluation();
    expect(report.accuracy).toBe(1);
    // Timing is reported by `npm run bench -- translate`, not asserted here.
    expect(report.meanMs).toBeGreaterThan(0);
  });
});
