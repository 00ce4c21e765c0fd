// Finding catalog templates and existing spec entities in the words of a
// request, with typo tolerance (edit distance) where it can't collide with
// ordinary words.
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { editDistance, typoBudget } from "../../../stacks/model/names.ts";
import type { Template, TemplateCatalog } from "../../../stacks/templates/catalog.ts";
import { NO_TYPO, PURPOSES, STOPWORDS } from "./vocabulary.ts";

const squash = (s: string) => s.replace(/[^a-z0-9]/g, "");

/** A template mentioned in the text. */
export interface TemplateHit {
  template: Template;
  /** Word index where the mention starts, and how many words it spans. */
  at: number;
  span: number;
  /** The words as written. */
  text: string;
  /** "alias" (a name, alias or typo of one) or "keyword" (a loose word like "blog"). */
  via: "alias" | "keyword";
  typo: boolean;
}

/** A loose word read as describing a product named elsewhere in the sentence ("postgres for my blog"). */
export interface Folded {
  text: string;
  /** The named product's title. */
  into: string;
}

export interface TemplateMatches {
  hits: TemplateHit[];
  folded: Folded[];
}

interface IndexEntry {
  templates: Template[];
  via: "alias" | "keyword";
}

function buildIndex(catalog: TemplateCatalog): Map<string, IndexEntry> {
  const index = new Map<string, IndexEntry>();
  const put = (key: string, t: Template, via: "alias" | "keyword") => {
    const k = squash(key);
    const entry = index.get(k);
    if (entry === undefined) index.set(k, { templates: [t], via });
    else if (!entry.templates.includes(t)) entry.templates.push(t);
  };
  for (const t of Object.values(catalog)) {
    for (const name of [t.name, t.name.replace(/-/g, " "), t.title, ...(t.serviceName ? [t.serviceName] : []), ...t.aliases]) put(name, t, "alias");
  }
  // Keywords never override a name; a keyword shared by several templates keeps them all (→ a question).
  for (const t of Object.values(catalog)) {
    for (const k of t.keywords) if (index.get(squash(k))?.via !== "alias") put(k, t, "keyword");
  }
  return index;
}

const indexes = new WeakMap<TemplateCatalog, Map<string, IndexEntry>>();

/**
 * Templates named in the words, longest phrase first (so "minecraft bedrock"
 * wins over "minecraft"). Keywords shared by several templates come back as
 * several hits at the same place: the caller asks which one was meant.
 */
export function findTemplates(ws: readonly string[], catalog: TemplateCatalog, skip: ReadonlySet<string> = new Set()): TemplateMatches {
  let index = indexes.get(catalog);
  if (index === undefined) {
    index = buildIndex(catalog);
    indexes.set(catalog, index);
  }
  const used = new Set<number>();
  const hits: TemplateHit[] = [];
  const aliasKeys = [...index.entries()].filter(([, e]) => e.via === "alias").map(([k]) => k);
  // Exact phrases first (longest first), then typos on the words left over, so
  // "wordpress on" never beats the exact "wordpress".
  for (const typoPass of [false, true]) {
    for (let span = typoPass ? 2 : 3; span >= 1; span--) {
      for (let at = 0; at + span <= ws.length; at++) {
        if (Array.from({ length: span }, (_, k) => at + k).some((k) => used.has(k))) continue;
        const phrase = ws.slice(at, at + span);
        if (phrase.some((w) => skip.has(w)) || (span === 1 && STOPWORDS.has(phrase[0] ?? ""))) continue;
        if (typoPass && phrase.some((w) => NO_TYPO.has(w) || STOPWORDS.has(w) || /^\d/.test(w))) continue;
        const key = squash(phrase.join(" "));
        if (key.length < 2) continue;
        let entry = typoPass ? undefined : index.get(key);
        if (typoPass) {
          const budget = typoBudget(key.length);
          const near = budget === 0 ? undefined : aliasKeys.find((k) => k.length >= 5 && editDistance(key, k, budget) <= budget);
          entry = near === undefined ? undefined : index.get(near);
        }
        if (entry === undefined) continue;
        for (let k = 0; k < span; k++) used.add(at + k);
        for (const template of entry.templates) hits.push({ template, at, span, text: phrase.join(" "), via: entry.via, typo: typoPass });
      }
    }
  }
  // "bedrock minecraft": drop Java when its only evidence is a word of Bedrock's own aliases.
  const named = hits.filter(
    (h) =>
      h.via === "keyword" ||
      !hits.some((o) => o.template !== h.template && h.span === 1 && o.template.aliases.some((a) => a.split(" ").includes(h.text) && a.includes(" "))),
  );
  const folded: Folded[] = [];
  const kept = named.filter((h) => {
    const into = h.via === "keyword" ? describedBy(h, named, ws) : undefined;
    if (into === undefined) return true;
    // Right next to the name it is plainly part of it; further away, the reading is said.
    const adjacent = into.at + into.span === h.at || h.at + h.span === into.at;
    if (!adjacent && !folded.some((x) => x.text === h.text)) folded.push({ text: h.text, into: into.template.title });
    return false;
  });
  return { hits: kept.sort((a, b) => a.at - b.at), folded };
}

/** Words that join two separate things ("gitea and a dashboard"). */
const JOINERS = new Set(["and", "plus", "also", "then"]);

/**
 * The named product a generic word describes, unless a joiner
 * stands between them: "a WordPress blog" is WordPress, "grafana dashboards
 * for monitoring" is Grafana, but "gitea and a dashboard" is two services.
 */
function describedBy(keyword: TemplateHit, hits: readonly TemplateHit[], ws: readonly string[]): TemplateHit | undefined {
  return hits.find((o) => {
    if (o.via !== "alias") return false;
    const from = Math.min(o.at + o.span, keyword.at + keyword.span);
    const to = Math.max(o.at, keyword.at);
    return !ws.slice(from, to).some((w) => JOINERS.has(w));
  });
}

/** Kinds of things a request can point at. */
export type RefKind = "network" | "service" | "vm" | "lxc" | "certificate" | "k8s" | "dev";

/** An existing entity mentioned in the text. */
export interface Ref {
  kind: RefKind;
  name: string;
  at: number;
}

/** The purpose named in the text, if any ("a VLAN for cameras" → cameras). */
export function purposeOf(s: string): string | undefined {
  let best: { name: string; at: number } | undefined;
  for (const [name, p] of Object.entries(PURPOSES)) {
    for (const w of p.words) {
      const m = new RegExp(`\\b${w}\\b`).exec(s);
      if (m !== null && (best === undefined || m.index < best.at)) best = { name, at: m.index };
    }
  }
  return best?.name;
}

function wordMatches(word: string, name: string): boolean {
  if (word === name) return true;
  // "a valheim server" is not the servers network: filler words match names only exactly.
  if (NO_TYPO.has(word) || STOPWORDS.has(word)) return false;
  if (word === `${name}s` || `${word}s` === name) return true;
  const budget = typoBudget(name.length);
  return budget > 0 && word.length >= 5 && editDistance(word, name, budget) <= budget;
}

/**
 * Existing networks, services, VMs, containers, certificates and Kubernetes
 * apps mentioned: by name (typos allowed for long names), by "vlan N", by a
 * purpose word, or by the template a single service uses.
 */
export function findRefs(ws: readonly string[], spec: SpecV1, templateHits: readonly TemplateHit[]): Ref[] {
  const refs: Ref[] = [];
  const add = (kind: RefKind, name: string, at: number) => {
    if (!refs.some((r) => r.kind === kind && r.name === name)) refs.push({ kind, name, at });
  };
  const groups: [RefKind, Record<string, unknown>][] = [
    ["service", spec.services],
    ["network", spec.networks],
    ["vm", spec.vms],
    ["lxc", spec.lxc],
    ["certificate", spec.certificates],
    ["k8s", spec.kubernetes.apps],
    ["dev", spec.devEnvironments],
  ];
  for (const [kind, group] of groups) {
    for (const name of Object.keys(group)) {
      const parts = name.split("-");
      ws.forEach((w, i) => {
        if (parts.length > 1 && ws.slice(i, i + parts.length).join("-") === name) add(kind, name, i);
        else if (wordMatches(w, name) || squash(w) === squash(name)) add(kind, name, i);
      });
    }
  }
  ws.forEach((w, i) => {
    if (w === "vlan" || w === "tag") {
      const tag = Number(ws[i + 1]);
      const found = Object.entries(spec.networks).find(([, n]) => n.vlan === tag);
      if (found !== undefined) add("network", found[0], i);
    }
    for (const [name, p] of Object.entries(PURPOSES)) {
      if (spec.networks[name] !== undefined && p.words.includes(w)) add("network", name, i);
    }
  });
  for (const hit of templateHits) {
    const users = Object.entries(spec.services).filter(([, s]) => s.template === hit.template.name);
    if (users.length === 1 && users[0] !== undefined) add("service", users[0][0], hit.at);
  }
  return refs.sort((a, b) => a.at - b.at);
}
