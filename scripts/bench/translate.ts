import { runEvaluation } from "../../test/intents/evaluate.ts";

export async function run(): Promise<void> {
  console.log(JSON.stringify(runEvaluation(), null, 2));
}
