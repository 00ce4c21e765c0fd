// "a game server", "a media server": a kind of service, not a network. Which
// one must be asked, not guessed.
import type { Action } from "../draft/types.ts";
import type { Facts } from "../facts.ts";

const CATEGORY_SERVER: { pattern: RegExp; category: string; noun: string }[] = [
  { pattern: /\b(game|games|gaming)\s+(server|servers|host)\b/, category: "game", noun: "game" },
  { pattern: /\b(media|streaming)\s+(server|servers)\b/, category: "media", noun: "media server" },
];

function categoryWanted(f: Facts): { category: string; noun: string } | undefined {
  if (!f.verbs.add) return undefined;
  return CATEGORY_SERVER.find((c) => c.pattern.test(f.s));
}

export const askWhichTemplate: Action = {
  name: "ask which app of a kind",
  matches: (f) => categoryWanted(f) !== undefined,
  apply(ctx) {
    const wanted = categoryWanted(ctx.f);
    if (wanted === undefined) return;
    const titles = Object.values(ctx.catalog)
      .filter((t) => t.category === wanted.category)
      .map((t) => t.title);
    ctx.questions.push(`Which ${wanted.noun} should it be? bosun's catalog has ${titles.join(", ")}.`);
  },
};
