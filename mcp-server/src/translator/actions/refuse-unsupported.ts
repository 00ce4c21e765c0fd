// A VM, an LXC, a Kubernetes app, a certificate or a CNAME while bosun cannot
// build them (unsupported.ts): said plainly, before anything else is read.
import type { Action } from "../draft/types.ts";
import { refusal, refusedKinds } from "../unsupported.ts";

export const refuseUnsupported: Action = {
  name: "refuse what bosun cannot build yet",
  matches: (f) => refusedKinds(f).length > 0,
  apply(ctx) {
    for (const kind of refusedKinds(ctx.f)) ctx.questions.push(refusal(kind));
  },
};
