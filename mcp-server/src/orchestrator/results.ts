// The orchestrator's results as zod schemas: the one definition of their shape.
// The MCP tools use them as output schemas, and the TypeScript types in
// types.ts are inferred from them.
import { z } from "zod";

export const resourceOps = ["create", "update", "replace", "delete", "same", "read", "refresh"] as const;

export const planCountsSchema = z.object({
  create: z.number().describe("Resources to create"),
  update: z.number().describe("Resources to change in place"),
  replace: z.number().describe("Resources to replace (a new one, then the old one removed)"),
  delete: z.number().describe("Resources to delete"),
  same: z.number().describe("Resources unchanged"),
});

export const resourceChangeSchema = z.object({
  urn: z.string(),
  type: z.string().describe("Resource type, e.g. pulumi-nodejs:dynamic/opnsense:FirewallRule"),
  name: z.string().describe("Logical name, e.g. gaming-vlan"),
  op: z.enum(resourceOps),
  fields: z
    .record(z.string(), z.unknown())
    .describe("Key fields after the change; secrets shown as [secret], values known only after apply as (known after apply)"),
  diff: z.array(z.string()).describe("Property names that differ"),
  replaceReason: z.string().optional().describe("Why a replacement is needed"),
  parent: z.string().optional(),
  group: z.string().optional().describe('What the person asked for that this step belongs to, e.g. "network gaming", "service minecraft"'),
});

export const policyFindingSchema = z.object({
  rule: z.string().describe("The rule's name, e.g. no-wan-allow-any (policy/policy.yaml sets its level)"),
  level: z.enum(["deny", "warn", "review"]).describe("deny: the plan is refused; warn: shown; review: an approval is needed"),
  message: z.string().describe("What the rule found, in words"),
  urn: z.string().optional(),
  name: z.string().optional().describe("The resource's logical name"),
});

export const approvalModes = ["auto", "review-destructive", "review-all", "two-person"] as const;

export const planReviewSchema = z.object({
  decision: z.enum(["allow", "review", "deny"]).describe("deny: apply refuses this plan; review: it needs an approval first; allow"),
  findings: z.array(policyFindingSchema).describe("Policy findings of the preview (deny first)"),
  approval: z.object({
    mode: z.enum(approvalModes).describe("The stack's approval mode (bosun:approval in its stack file)"),
    required: z.boolean().describe("Whether apply waits for an approval"),
    reasons: z.array(z.string()).describe("Why an approval is needed"),
    otherThan: z.string().optional().describe("two-person: the approver must be someone other than this (the planner)"),
  }),
});

export const approvalStatusSchema = z.object({
  planId: z.string(),
  stack: z.string(),
  planner: z.string().describe("Who made the plan"),
  mode: z.enum(approvalModes),
  decision: z.enum(["allow", "review", "deny"]),
  required: z.boolean().describe("Whether the plan needs an approval"),
  satisfied: z.boolean().describe("Whether apply may run it now"),
  reasons: z.array(z.string()),
  approvals: z.array(z.object({ approver: z.string(), via: z.string(), at: z.string(), note: z.string().optional() })),
  otherThan: z.string().optional().describe("two-person: approvals by this actor (the planner) do not count"),
});

export const configBackupSchema = z.object({
  id: z.string().describe('The backup\'s id on the box, e.g. "config-1716000000.1234.xml"'),
  time: z.string().describe("When the box saved it (ISO 8601)"),
  description: z.string().describe("What the box says made it"),
});

export const sectionChangeSchema = z.object({
  section: z.string().describe('What a person calls it, e.g. "firewall rules", "Unbound host overrides"'),
  path: z.string().describe("Its place in config.xml"),
  restored: z.array(z.string()).describe("Items the restore brings back (by description)"),
  removed: z.array(z.string()).describe("Items the restore removes"),
  changed: z.array(z.string()).describe("Items whose values the restore changes"),
  settings: z.boolean().describe("Whether settings outside list items change"),
});

export const restoreDetailsSchema = z.object({
  backup: configBackupSchema.describe("The backup the box's config is restored to"),
  basedOn: z.string().describe("The box's newest backup when planned; apply refuses if the box saved anything since"),
  sections: z.array(sectionChangeSchema).describe("The config sections that differ between the current config and the backup"),
  services: z.array(z.string()).describe("Services bosun reconfigures after the revert, in order (the filter is applied last)"),
  notes: z.array(z.string()).describe("What the restore saves but bosun cannot make live"),
});

export const planResultSchema = z.object({
  planId: z.string().describe("Pass this to apply once the person agrees"),
  deploymentId: z.string().describe("The deployment this plan becomes when applied: subscribe to bosun://deployments/{id} to follow it"),
  stack: z.string(),
  kind: z.enum(["apply", "rollback", "destroy", "restore"]),
  expiresAt: z.string().describe("ISO time after which the plan can no longer be applied"),
  changes: z.array(resourceChangeSchema),
  counts: planCountsSchema,
  warnings: z.array(z.string()),
  summary: z.string().describe("One line: counts and what they touch"),
  text: z.string().describe("The plan as a person reads it"),
  specBefore: z.unknown().describe("The stack's spec now (secrets redacted)"),
  specAfter: z.unknown().describe("The spec the plan applies (secrets redacted)"),
  pinned: z.array(z.string()).describe("Services whose address was written into the spec so they keep it"),
  review: planReviewSchema.describe("Policy findings and the approval this plan needs"),
  restore: restoreDetailsSchema.optional().describe("kind restore: the OPNsense backup and what restoring it changes"),
});

export const applyResultSchema = z.object({
  deploymentId: z.string(),
  stack: z.string(),
  status: z
    .enum(["succeeded", "failed", "rolled-back", "rollback-failed", "proposed"])
    .describe("proposed: pull-request mode put the change on a branch for review instead of applying it"),
  outputs: z.record(z.string(), z.unknown()),
  counts: planCountsSchema.partial(),
  durationMs: z.number(),
  error: z.string().optional().describe("What failed, in words"),
  rollback: z.object({ deploymentId: z.string(), status: z.enum(["succeeded", "failed"]), error: z.string().optional() }).optional(),
  pulumiVersion: z.number().optional(),
  protections: z
    .array(z.object({ subsystem: z.string(), protection: z.string(), id: z.string(), note: z.string() }))
    .optional()
    .describe("How each OPNsense change was protected: savepoint (the box reverts by itself), config-backup (bosun reverts to it), none"),
  configBackup: configBackupSchema
    .optional()
    .describe("The OPNsense config backup from before this deployment changed anything: plan_restore with its id undoes it on the box"),
  refresh: z
    .object({ status: z.enum(["succeeded", "failed"]), counts: planCountsSchema.partial().optional(), error: z.string().optional() })
    .optional()
    .describe("restore: the refresh that brought the stack's state in line with the box"),
  commit: z.string().optional().describe("The git commit recording the change (BOSUN_GIT_RECORD=commit)"),
  commitError: z.string().optional().describe("Why the change is applied but not committed"),
  proposal: z
    .object({ branch: z.string(), commit: z.string(), pushed: z.boolean(), note: z.string().optional() })
    .optional()
    .describe("pull-request mode: the branch holding the change"),
});

export const deploymentSummarySchema = z.object({
  id: z.string(),
  stack: z.string(),
  kind: z.string(),
  status: z.string(),
  actor: z.string(),
  intent: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  counts: z.record(z.string(), z.number()).optional(),
  error: z.string().optional(),
  configBackup: configBackupSchema.optional().describe("The OPNsense config backup this deployment can be restored to (taken before it ran)"),
});

export const boxBackupSchema = configBackupSchema.extend({
  recordedBy: z
    .array(z.object({ deploymentId: z.string(), kind: z.string(), status: z.string(), at: z.string() }))
    .describe("Deployments of this stack that noted this backup before they ran: restoring it undoes them on the box"),
  madeBy: z
    .object({ deploymentId: z.string(), kind: z.string() })
    .optional()
    .describe("The deployment of this stack that was running when the box saved this backup"),
});

export const boxBackupsSchema = z.object({
  stack: z.string(),
  backups: z.array(boxBackupSchema).describe("The box's config backups, newest first"),
  text: z.string(),
});

export const stackStatusSchema = z.object({
  stack: z.string(),
  spec: z.unknown(),
  outputs: z.record(z.string(), z.unknown()),
  resources: z.array(z.object({ urn: z.string(), type: z.string(), name: z.string() })),
  lastDeployment: deploymentSummarySchema.optional(),
});

export const driftReportSchema = z.object({
  stack: z.string(),
  deploymentId: z.string(),
  drifted: z.array(resourceChangeSchema),
  text: z.string(),
});

export const progressEventSchema = z.object({
  deploymentId: z.string(),
  kind: z.string().describe('"resource-pre" | "resource-outputs" | "resource-failed" | "diagnostic" | "summary"'),
  urn: z.string().optional(),
  op: z.string().optional(),
  message: z.string(),
  done: z.number().describe("Finished resource steps"),
  total: z.number().describe("Planned steps"),
});
