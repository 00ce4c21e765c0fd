// "run jellyfin on kubernetes". Not supported yet (unsupported.ts):
// refuse-unsupported answers first; this runs again once "k8s" leaves NOT_YET.
import type { Action } from "../draft/types.ts";

export const addKubernetesApp: Action = {
  name: "add a Kubernetes app",
  matches: (f) => f.kinds.k8s && f.templates.length > 0,
  apply(ctx) {
    const { f, draft } = ctx;
    for (const hit of f.templates) {
      const t = hit.template;
      const name = f.name ?? t.serviceName ?? t.name;
      if (draft.kubernetes.apps[name] !== undefined) {
        ctx.questions.push(`A Kubernetes app named "${name}" already exists. Choose another name?`);
        return;
      }
      const namespace = /\bnamespace ([a-z0-9][a-z0-9-]*)\b/.exec(f.s)?.[1] ?? "default";
      draft.kubernetes.apps[name] = { image: t.image, namespace };
      ctx.assumptions.push(`${name} runs on Kubernetes from image ${t.image} in namespace ${namespace}`);
    }
  },
};
