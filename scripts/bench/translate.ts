// npm run bench -- translate [--json]: the intent evaluation through the
// offline translator: accuracy per category and time per intent.
import { runEvaluation } from "../../test/intents/evaluate.ts";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export async function run(args: string[] = []): Promise<void> {
  const report = runEvaluation();
  if (args.includes("--json")) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  console.log(`intent evaluation: ${report.passed}/${report.total} (${pct(report.accuracy)})`);
  for (const [category, b] of Object.entries(report.byCategory))
    console.log(`  ${category.padEnd(9)} ${String(b.passed).padStart(3)}/${String(b.total).padEnd(3)} ${pct(b.accuracy)}`);
  console.log(
    `time per intent (offline): mean ${report.meanMs.toFixed(3)} ms, p95 ${report.p95Ms.toFixed(3)} ms, max ${report.maxMs.toFixed(3)} ms (target < 5 ms)`,
  );
  for (const s of report.slowest) console.log(`  ${s.ms.toFixed(3)} ms  ${JSON.stringify(s.text)}`);
  for (const f of report.failures) console.log(`FAIL [${f.category}] ${JSON.stringify(f.text)}: ${f.problems.join("; ")}`);
}
