// The offline intent translator: one sentence + the current spec → a new,
// validated spec, what changed, what was assumed, and what must be asked.
//
// Rules of the road:
//  - Deterministic: the same text and spec give the same result (generated
//    secrets come from `options.secret`, random by default).
//  - Never a silently wrong spec: anything missing, ambiguous, contradictory
//    or out of range becomes a question and the spec comes back unchanged.
//    A request that changes nothing is either known to hold already (the
//    action says so) or not understood, and then asked back.
//  - Removing a network removes what runs on it (services, VMs, containers)
//    and every rule that names it, each listed in `changes` and `assumptions`:
//    the plan is previewed and needs approval, so cascading is safe and says so.
//  - Text is only matched with regular expressions; it is never executed or
//    put into a shell or URL. Names taken from text must be DNS labels.
//
// What it can do is the table in actions/index.ts; what it must refuse for
// now is unsupported.ts.
import { randomBytes } from "node:crypto";
import { diffSpecs, emptySpec, formatSpecErrors, parseSpec } from "../../../stacks/model/index.ts";
import type { SpecV1 } from "../../../stacks/model/index.ts";
import { templateCatalog } from "../../../stacks/templates/catalog.ts";
import type { TemplateCatalog } from "../../../stacks/templates/catalog.ts";
import { ACTIONS } from "./actions/index.ts";
import { notUnderstoodQuestion } from "./actions/not-understood.ts";
import { draftInput } from "./draft/types.ts";
import type { Ctx } from "./draft/types.ts";
import { readFacts } from "./facts.ts";
import { MAX_TEXT_LENGTH } from "./text.ts";
import { unsupportedChanges } from "./unsupported.ts";

/** The translator's answer. When `questions` is not empty, `spec` is the current spec, unchanged. */
export interface Translation {
  spec: SpecV1;
  changes: string[];
  assumptions: string[];
  questions: string[];
}

export interface TranslateOptions {
  /** Template catalog. @default the built-in catalog */
  catalog?: TemplateCatalog;
  /** Makes a secret value for a template's secret id (e.g. "db-password"). @default 24 random bytes, base64url */
  secret?: (id: string) => string;
}

function defaultSecret(): string {
  return randomBytes(24).toString("base64url");
}

function memoizedSecret(make: (id: string) => string): (id: string) => string {
  const made = new Map<string, string>();
  return (id) => {
    const value = made.get(id) ?? make(id);
    made.set(id, value);
    return value;
  };
}

/** Translates one request. Pure apart from the default secret generator. */
export function translate(text: string, currentSpec?: SpecV1, options: TranslateOptions = {}): Translation {
  const base = currentSpec ?? emptySpec();
  const unchanged = (questions: string[], assumptions: string[] = []): Translation => ({ spec: base, changes: [], assumptions, questions });
  if (text.trim() === "") return unchanged(['What should I do? For example: "Deploy a Minecraft server for 10 players on VLAN 20".']);
  if (text.length > MAX_TEXT_LENGTH)
    return unchanged([
      `That request is ${text.length} characters; the offline translator reads up to ${MAX_TEXT_LENGTH}. Please split it into smaller requests.`,
    ]);

  const catalog = options.catalog ?? templateCatalog;
  const ctx: Ctx = {
    f: readFacts(text, base, catalog),
    base,
    draft: structuredClone(base),
    catalog,
    secret: memoizedSecret(options.secret ?? defaultSecret),
    assumptions: [],
    questions: [],
    notes: [],
  };
  ACTIONS.find((action) => action.matches(ctx.f))?.apply(ctx);
  if (ctx.questions.length > 0) return unchanged(ctx.questions, ctx.assumptions);

  const parsed = parseSpec(draftInput(ctx.draft));
  if (!parsed.ok) {
    return unchanged([`That would make an invalid spec:\n${formatSpecErrors(parsed.errors)}\nPlease adjust the request.`], ctx.assumptions);
  }
  // The actions never build what bosun cannot deploy yet; this holds the line if one ever tries.
  const refused = unsupportedChanges(parsed.spec, base);
  if (refused.length > 0) return unchanged([...new Set(refused.map((e) => e.message))]);
  // Notes explain some diff lines ("remove service minecraft (it ran on gaming)"): keep the explained form only.
  const changes = [...diffSpecs(base, parsed.spec).filter((line) => !ctx.notes.some((n) => n.startsWith(`${line} (`))), ...ctx.notes];
  if (changes.length === 0 && ctx.unchanged === undefined) return unchanged([notUnderstoodQuestion(ctx.f, catalog)]);
  return { spec: parsed.spec, changes, assumptions: ctx.assumptions, questions: [] };
}
