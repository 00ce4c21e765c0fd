/**
 * Every read and write of the deployment log. Tools and the runner call these functions with a
 * `Db` from `createDb()`; nothing else touches the tables.
 *
 * Callers redact secrets before passing specs, outputs, changes or event payloads.
 */
export * from "./queries/common.ts";
export * from "./queries/intents.ts";
export * from "./queries/deployments.ts";
export * from "./queries/history.ts";
export * from "./queries/artifacts.ts";
export * from "./queries/events.ts";
export * from "./queries/resources.ts";
export * from "./queries/approvals.ts";
export * from "./queries/terminal.ts";
