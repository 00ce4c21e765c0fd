// "change the local domain to lab.example.com".
import { alreadyTrue } from "../draft/types.ts";
import type { Action } from "../draft/types.ts";

export const changeDomain: Action = {
  name: "change the domain",
  matches: (f) => f.kinds.domain,
  apply(ctx) {
    const domain = ctx.f.fqdns.at(-1);
    if (domain === undefined) {
      ctx.questions.push(`Which domain should bosun use (e.g. "home.arpa" or "lab.example.com")?`);
      return;
    }
    if (domain === ctx.base.dns.domain) alreadyTrue(ctx, `the domain is already ${domain}`);
    ctx.draft.dns.domain = domain;
  },
};
