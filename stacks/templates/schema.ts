// The shape of a catalog template. The catalog itself is data (games.yaml,
// apps.yaml); this schema is what makes a typo in that data fail loudly.
import { z } from "zod";
import { DNS_LABEL, DNS_LABEL_MESSAGE } from "../model/names.ts";

const label = z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE);
const port = z.number().int().min(1).max(65535);
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");

/** Template categories; the translator uses them to pick a network ("game" → gaming). */
export const TEMPLATE_CATEGORIES = ["game", "media", "web", "database", "home", "devops", "monitoring", "security", "network", "productivity"] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];

export const templatePortSchema = z.object({
  container: port,
  /** Host port when it must differ from the container port (Gitea's SSH: 22 → 2222). */
  host: port.optional(),
  protocol: z.enum(["tcp", "udp"]),
  /** Who may reach it by default: the service's own network or the whole LAN. */
  expose: z.enum(["network", "lan"]).default("lan"),
  description: z.string().default(""),
});

/**
 * Memory rule. Player-based games size from players:
 * round_up(baseMb + perPlayerMb × players, stepMb), clamped to [minMb, maxMb].
 */
export const memoryRuleSchema = z.object({
  defaultMb: z.number().int().min(64),
  minMb: z.number().int().min(64),
  maxMb: z.number().int().min(64),
  players: z
    .object({
      baseMb: z.number().int().min(0),
      perPlayerMb: z.number().int().min(1),
      stepMb: z.number().int().min(1),
      default: z.number().int().min(1),
      max: z.number().int().min(1),
      /** Env var that takes the player count (itzg: MAX_PLAYERS). */
      env: envName.optional(),
    })
    .optional(),
});

export const templateHealthCheckSchema = z.union([
  z.object({ command: z.array(z.string()).min(1) }),
  z.object({ tcpPort: port }),
  z.object({ httpPath: z.string().startsWith("/"), port: port.optional() }),
]);

export const templateSchema = z
  .object({
    name: label,
    title: z.string().min(1),
    /** Name a service from this template gets by default. @default the template name */
    serviceName: label.optional(),
    category: z.enum(TEMPLATE_CATEGORIES),
    description: z.string().min(1),
    /** Image with a tag; never ":latest"-less. */
    image: z.string().regex(/^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9._-]+$/, "must be an image with a tag, e.g. nginx:1.27-alpine"),
    ports: z.array(templatePortSchema).default([]),
    /** Plain env. Placeholders: {{name}}, {{domain}}, {{memoryMb}}, {{heapMb}} (¾ of memoryMb, 256 MiB steps). */
    env: z.record(envName, z.string()).default({}),
    /** Env vars that need a generated secret; same id → same value (app and its database share a password). */
    secretEnv: z.record(envName, label).default({}),
    volumes: z.array(z.object({ name: label, target: z.string().startsWith("/") })).default([]),
    memory: memoryRuleSchema,
    cpus: z.number().positive().max(64).default(1),
    healthCheck: templateHealthCheckSchema.optional(),
    /** Other names people use ("pihole", "mc"); matched with typo tolerance. */
    aliases: z.array(z.string().min(2)).default([]),
    /** Loose words ("blog", "media server"); a keyword shared by two templates makes the translator ask. */
    keywords: z.array(z.string().min(2)).default([]),
    /** Services deployed alongside (WordPress needs a database), named `<service>-<suffix>`. */
    companions: z.array(z.object({ template: label, suffix: label, env: z.record(envName, z.string()).default({}) })).default([]),
  })
  .superRefine((t, ctx) => {
    if (t.memory.minMb > t.memory.maxMb || t.memory.defaultMb < t.memory.minMb || t.memory.defaultMb > t.memory.maxMb) {
      ctx.addIssue({ code: "custom", path: ["memory"], message: "memory rule: need minMb ≤ defaultMb ≤ maxMb" });
    }
  });

/** A catalog entry as loaded (defaults applied). */
export type Template = z.output<typeof templateSchema>;
export type TemplatePort = z.output<typeof templatePortSchema>;
/** Templates by name. */
export type TemplateCatalog = Readonly<Record<string, Template>>;
