// What both CA resources share: the renewal window arithmetic and the
// check() wrapper adding cross-field rules to the schema's failures.
import type { z } from "zod";
import { checkWith, containsUnknown, userInputs, type CheckResult, type Props } from "../../kit/index.ts";

const DAY_MS = 86_400_000;

/** When to act: notAfter − beforeDays. */
export function windowStart(notAfter: string, beforeDays: number): Date {
  return new Date(Date.parse(notAfter) - beforeDays * DAY_MS);
}

export function isDue(notAfter: unknown, beforeDays: unknown, fallback: number, now = Date.now()): boolean {
  if (typeof notAfter !== "string") return false;
  return now >= windowStart(notAfter, typeof beforeDays === "number" ? beforeDays : fallback).getTime();
}

/** checkWith plus rules across fields ("<field>: <message>"), and defaults even while some input is unknown. */
export function checkAll(label: string, schema: z.ZodType, news: Props, defaults: Props, rules: (i: Props) => (string | undefined)[]): CheckResult {
  const result = checkWith(label, schema, news);
  result.inputs = { ...defaults, ...result.inputs };
  const raw = userInputs(news);
  for (const issue of rules(raw)) {
    if (!issue) continue;
    const property = issue.slice(0, issue.indexOf(":"));
    if (containsUnknown(raw[property])) continue;
    result.failures.push({ property, reason: `${label}: ${issue}` });
  }
  return result;
}
