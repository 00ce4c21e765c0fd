// Runs the intent cases through the offline translator: per-case problems,
// per-category accuracy and time per intent (for `npm run bench -- translate`).
import { performance } from "node:perf_hooks";
import { translate } from "../../mcp-server/src/translator/index.ts";
import type { Translation } from "../../mcp-server/src/translator/index.ts";
import { NOT_YET, refusal } from "../../mcp-server/src/translator/unsupported.ts";
import { ABSENT, CASES } from "./cases.ts";
import type { Category, IntentCase } from "./cases.ts";
import { CURRENT_SPECS } from "./fixtures.ts";

/** Deterministic secrets so results can be compared. */
const secret = (id: string) => `test-secret-${id}`;

function get(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((acc, key) => (acc === null || acc === undefined ? undefined : (acc as Record<string, unknown>)[key]), value);
}

/** Runs one case; returns the translation and what's wrong with it (empty when it passes). */
export function checkCase(c: IntentCase): { result: Translation; problems: string[]; ms: number } {
  const current = CURRENT_SPECS[c.current ?? "empty"];
  const start = performance.now();
  const result = translate(c.text, current, { secret });
  const ms = performance.now() - start;
  const problems: string[] = [];
  // A kind bosun cannot build yet: the plain refusal, until the kind leaves NOT_YET; then `expect` applies.
  if (c.kind !== undefined && NOT_YET.has(c.kind)) {
    if (!result.questions.includes(refusal(c.kind))) problems.push(`expected the refusal "${refusal(c.kind)}", got: ${result.questions.join(" | ")}`);
    if (JSON.stringify(result.spec) !== JSON.stringify(current ?? result.spec)) problems.push("spec changed although the translator refused");
    if (result.changes.length > 0) problems.push("changes reported although the translator refused");
    return { result, problems, ms };
  }
  const asks = c.expectQuestions === true || c.expectQuestion !== undefined;
  if (c.expectQuestion !== undefined && !result.questions.some((q) => q.includes(c.expectQuestion ?? ""))) {
    problems.push(`no question mentions "${c.expectQuestion}": ${result.questions.join(" | ")}`);
  }
  if (c.expectAssumption !== undefined && !result.assumptions.some((a) => a.includes(c.expectAssumption ?? ""))) {
    problems.push(`no assumption mentions "${c.expectAssumption}": ${result.assumptions.join(" | ")}`);
  }
  if (asks) {
    if (result.questions.length === 0) problems.push(`expected questions, got changes: ${result.changes.join("; ")}`);
    if (JSON.stringify(result.spec) !== JSON.stringify(current ?? result.spec)) problems.push("spec changed although the translator asked");
    if (result.changes.length > 0) problems.push("changes reported although the translator asked");
  } else if (result.questions.length > 0) {
    problems.push(`unexpected questions: ${result.questions.join(" | ")}`);
  }
  for (const [path, want] of Object.entries(c.expect ?? {})) {
    const got = get(result.spec, path);
    if (want === ABSENT ? got !== undefined : JSON.stringify(got) !== JSON.stringify(want)) {
      problems.push(`${path}: expected ${want === ABSENT ? "absent" : JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  }
  if (c.expectChange !== undefined && !result.changes.some((line) => line.includes(c.expectChange ?? ""))) {
    problems.push(`no change mentions "${c.expectChange}": ${result.changes.join("; ")}`);
  }
  return { result, problems, ms };
}

/** Evaluation summary. */
export interface EvaluationReport {
  total: number;
  passed: number;
  accuracy: number;
  byCategory: Record<Category, { total: number; passed: number; accuracy: number }>;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
  /** The three slowest intents, slowest first. */
  slowest: { text: string; ms: number }[];
  failures: { text: string; category: Category; problems: string[] }[];
}

/** Runs every case (after `warmup` rounds, so JIT warm-up doesn't count). */
export function runEvaluation(options: { warmup?: number } = {}): EvaluationReport {
  for (let i = 0; i < (options.warmup ?? 1); i++) for (const c of CASES) checkCase(c);
  const byCategory = {} as EvaluationReport["byCategory"];
  const times: number[] = [];
  const timed: { text: string; ms: number }[] = [];
  const failures: EvaluationReport["failures"] = [];
  for (const c of CASES) {
    const { problems, ms } = checkCase(c);
    times.push(ms);
    timed.push({ text: c.text, ms });
    const bucket = (byCategory[c.category] ??= { total: 0, passed: 0, accuracy: 0 });
    bucket.total++;
    if (problems.length === 0) bucket.passed++;
    else failures.push({ text: c.text, category: c.category, problems });
  }
  for (const bucket of Object.values(byCategory)) bucket.accuracy = bucket.passed / bucket.total;
  const sorted = [...times].sort((a, b) => a - b);
  const passed = CASES.length - failures.length;
  return {
    total: CASES.length,
    passed,
    accuracy: passed / CASES.length,
    byCategory,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    p95Ms: sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? 0,
    maxMs: sorted.at(-1) ?? 0,
    slowest: timed.sort((a, b) => b.ms - a.ms).slice(0, 3),
    failures,
  };
}
