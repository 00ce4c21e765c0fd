// The rule set of a policy folder: the built-in rules, then each file in
// policy/rules/ (sorted), whose default export is a rule or a list of rules.
// Files are TypeScript run as they are (Node's type stripping), like the rest.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILTIN_RULES } from "./builtin.ts";
import { POLICY_LEVELS, type PolicyRule } from "./types.ts";

const NAME = /^[a-z][a-z0-9-]{1,62}$/;

export async function loadRules(policyDir: string): Promise<PolicyRule[]> {
  const dir = join(policyDir, "rules");
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.(ts|js|mjs)$/.test(f) && !/\.test\.ts$/.test(f))
        .sort()
    : [];
  const rules = [...BUILTIN_RULES];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown };
    const found = Array.isArray(mod.default) ? mod.default : [mod.default];
    for (const rule of found) rules.push(checkRule(rule, `policy/rules/${file}`));
  }
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.name)) throw new Error(`policy rule "${r.name}" is defined twice; give each rule its own name`);
    seen.add(r.name);
  }
  return rules;
}

function checkRule(value: unknown, where: string): PolicyRule {
  const r = value as Partial<PolicyRule> | undefined;
  const problem =
    typeof r !== "object" || r === null
      ? "its default export must be a rule (defineRule({...})) or a list of rules"
      : typeof r.name !== "string" || !NAME.test(r.name)
        ? "name must be kebab-case, e.g. no-latest-images"
        : !POLICY_LEVELS.includes(r.level as never)
          ? `level must be one of ${POLICY_LEVELS.join(", ")}`
          : typeof r.description !== "string"
            ? "description must be a sentence saying what the rule wants"
            : !r.resource && !r.stack && !r.step
              ? "it needs a resource, stack or step check"
              : undefined;
  if (problem) throw new Error(`${where}: ${problem}`);
  return r as PolicyRule;
}
