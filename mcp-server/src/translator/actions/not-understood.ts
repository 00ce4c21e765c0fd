// What the translator cannot map is asked back, naming the words it did not
// understand: never "No changes", never something else instead.
import { didYouMean } from "../../../../stacks/model/names.ts";
import type { TemplateCatalog } from "../../../../stacks/templates/catalog.ts";
import type { Action } from "../draft/types.ts";
import type { Facts } from "../facts.ts";
import { unknownWords, unreadWords } from "../vocabulary.ts";

/** The first word of an "add" request that names nothing known: "deploy a kafka cluster" → "kafka". */
function unknownObject(f: Facts): string | undefined {
  if (!f.verbs.add) return undefined;
  return unknownWords(f.ws).find((w) => {
    const i = f.ws.indexOf(w);
    return w !== f.name && !(f.networkName?.split("-") ?? []).includes(w) && f.ws[i - 1] !== "called" && f.ws[i - 1] !== "named";
  });
}

/** Word positions that name something known: templates, the spec's names, the name given. */
function knownPlaces(f: Facts): Set<number> {
  const known = new Set<number>();
  for (const hit of f.templates) for (let k = 0; k < hit.span; k++) known.add(hit.at + k);
  for (const ref of f.refs) known.add(ref.at);
  f.ws.forEach((w, i) => {
    if (w === f.name || w === f.dnsName || (f.networkName?.split("-") ?? []).includes(w)) known.add(i);
  });
  return known;
}

/** The question for a request that maps to nothing (or to no change it could explain). */
export function notUnderstoodQuestion(f: Facts, catalog: TemplateCatalog): string {
  const word = unknownObject(f) ?? (f.verbs.add ? unknownWords(f.ws)[0] : undefined);
  if (word !== undefined) {
    const names = Object.values(catalog).map((t) => t.name);
    return (
      `I don't know "${word}": it isn't in bosun's catalog${didYouMean(word, names)}. Catalog: ${names.join(", ")}. ` +
      `To run any other container, say e.g. "run image <name>:<tag> on VLAN 20".`
    );
  }
  const unknown = unreadWords(f.ws, knownPlaces(f));
  return (
    `I didn't understand "${f.s.slice(0, 80)}"${unknown.length > 0 ? ` (I don't know ${unknown.map((w) => `"${w}"`).join(", ")})` : ""}. ` +
    `Try e.g. "Deploy a Minecraft server for 10 players on VLAN 20", "create a VLAN for IoT devices", "give minecraft 8GB" or "remove jellyfin".`
  );
}

export const unknownThing: Action = {
  name: "something outside the catalog",
  matches: (f) => unknownObject(f) !== undefined,
  apply(ctx) {
    ctx.questions.push(notUnderstoodQuestion(ctx.f, ctx.catalog));
  },
};

export const notUnderstood: Action = {
  name: "not understood",
  matches: () => true,
  apply(ctx) {
    ctx.questions.push(notUnderstoodQuestion(ctx.f, ctx.catalog));
  },
};
