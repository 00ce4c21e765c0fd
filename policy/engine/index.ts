// bosun's policy engine: built-in rules, the installation's settings
// (policy/policy.yaml) and its own rules (policy/rules/*.ts). The CrossGuard
// pack (policy/pack.ts) and the orchestrator both run it.
export * from "./types.ts";
export { BUILTIN_RULES } from "./builtin.ts";
export { decide, evaluateResources, evaluateSteps, expandRuleSets, levelOf, sortFindings, type PolicyDecision } from "./evaluate.ts";
export { loadRules } from "./rules.ts";
export { loadSettings, SETTINGS_FILE, settingsSchema, type PolicySettings } from "./settings.ts";
export { readStackConfig } from "./stack-config.ts";
