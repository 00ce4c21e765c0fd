// Loads the template catalog (games.yaml, apps.yaml) once, validating every
// entry, and holds the few rules computed from it (memory per players).
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { templateSchema } from "./schema.ts";
import type { Template, TemplateCatalog } from "./schema.ts";

export type { Template, TemplateCatalog, TemplatePort, TemplateCategory } from "./schema.ts";

/** The catalog files, in the order they are read. */
export const CATALOG_FILES = ["games.yaml", "apps.yaml"] as const;

/** Parses and validates catalog YAML texts; throws with every bad entry named. */
export function loadCatalog(texts: readonly string[]): TemplateCatalog {
  const catalog: Record<string, Template> = {};
  const problems: string[] = [];
  for (const text of texts) {
    const entries = z.array(z.unknown()).parse(parseYaml(text));
    for (const [index, entry] of entries.entries()) {
      const result = templateSchema.safeParse(entry);
      const name = typeof entry === "object" && entry !== null && "name" in entry ? String(entry.name) : `#${index}`;
      if (!result.success) {
        problems.push(...result.error.issues.map((i) => `template ${name}: ${i.path.join(".")}: ${i.message}`));
      } else if (catalog[result.data.name] !== undefined) {
        problems.push(`template ${name}: duplicate name`);
      } else {
        catalog[result.data.name] = result.data;
      }
    }
  }
  for (const template of Object.values(catalog)) {
    for (const companion of template.companions) {
      if (catalog[companion.template] === undefined) problems.push(`template ${template.name}: companion "${companion.template}" is not in the catalog`);
    }
  }
  if (problems.length > 0) throw new Error(`invalid template catalog:\n${problems.join("\n")}`);
  return Object.freeze(catalog);
}

function readCatalogFiles(): string[] {
  return CATALOG_FILES.map((file) => readFileSync(new URL(`./${file}`, import.meta.url), "utf8"));
}

/** The built-in catalog, loaded at import. */
export const templateCatalog: TemplateCatalog = loadCatalog(readCatalogFiles());

/**
 * Memory for a player count: round_up(base + perPlayer × players, step),
 * clamped to the template's [minMb, maxMb]. Minecraft Java, 10 players:
 * 1024 + 3000 = 4024 → 4096 MiB. Templates without a player rule return defaultMb.
 */
export function memoryForPlayers(template: Template, players: number): number {
  const rule = template.memory.players;
  if (rule === undefined) return template.memory.defaultMb;
  const raw = rule.baseMb + rule.perPlayerMb * players;
  const rounded = Math.ceil(raw / rule.stepMb) * rule.stepMb;
  return Math.min(template.memory.maxMb, Math.max(template.memory.minMb, rounded));
}

/** JVM-style heap for a container limit: three quarters, in 256 MiB steps, at least 256. */
export function heapMbFor(memoryMb: number): number {
  return Math.max(256, Math.floor((memoryMb * 0.75) / 256) * 256);
}
