// The spec being edited (the draft), the context every action works in, and
// the shape of an action. A draft is the resolved spec with the fields the
// schema derives (gateway, DHCP range, a service's defaults) left optional,
// so an action writes only what it decides and parseSpec fills in the rest.
import type { NetworkSpec, ServiceSpec, SpecInput, SpecV1 } from "../../../../stacks/model/index.ts";
import type { TemplateCatalog } from "../../../../stacks/templates/catalog.ts";
import type { Facts } from "../facts.ts";

/** A network as an action writes it: the subnet decides gateway and DHCP range unless given. */
export type DraftNetwork = Omit<NetworkSpec, "gateway" | "dhcp"> & {
  gateway?: string;
  dhcp: Omit<NetworkSpec["dhcp"], "start" | "end"> & { start?: string; end?: string };
};

/** A service as an action writes it: the template decides what is left out. */
export type DraftService = Omit<ServiceSpec, "cpus" | "volumes" | "healthCheck" | "dns"> & {
  cpus?: number;
  volumes?: ServiceSpec["volumes"];
  healthCheck?: ServiceSpec["healthCheck"];
  dns?: string;
};

/** The spec under edit. A resolved spec is a draft as it is (structuredClone(base)). */
export interface Draft extends Omit<SpecV1, "networks" | "services"> {
  networks: Record<string, DraftNetwork>;
  services: Record<string, DraftService>;
}

/** A draft is what people write: parseSpec takes it as input. Checked here by the compiler. */
export function draftInput(draft: Draft): SpecInput {
  return draft;
}

/** What one translation works on and collects. */
export interface Ctx {
  readonly f: Facts;
  /** The current spec; never changed. */
  readonly base: SpecV1;
  readonly draft: Draft;
  readonly catalog: TemplateCatalog;
  readonly secret: (id: string) => string;
  readonly assumptions: string[];
  /** Anything here means: no change, hand these back. */
  readonly questions: string[];
  /** Change lines that explain a cascade ("remove service x (it ran on y)"). */
  readonly notes: string[];
  /** Set by an action that understood the request and found it already true. */
  unchanged?: string;
}

/** Records that the request is understood and already holds: "No changes" is then the right answer. */
export function alreadyTrue(ctx: Ctx, why: string): void {
  ctx.unchanged = why;
  ctx.assumptions.push(why);
}

/**
 * One thing the translator can do. The table in actions/index.ts is tried in
 * order and the first action whose `matches` holds is applied, alone.
 */
export interface Action {
  readonly name: string;
  /** Whether this request is for this action. Reads facts only (no spec edits). */
  matches(f: Facts): boolean;
  /** Edits ctx.draft, or asks (ctx.questions) and leaves the rest to translate(). */
  apply(ctx: Ctx): void;
}

/** "4 GiB" for 4096, "1.5 GiB" for 1536, "300 MiB" for 300. */
export function mib(mb: number): string {
  if (mb >= 1024 && mb % 512 === 0) return `${mb / 1024} GiB`;
  return `${mb} MiB`;
}
