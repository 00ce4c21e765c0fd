// "run grafana on kubernetes", "run image traefik/whoami:v1.10 on k8s": an
// image-based Kubernetes app (Deployment + Service). A catalog app brings its
// image, ports, plain env and memory; its volumes and secrets do not carry
// over (bosun's Kubernetes apps have neither yet), and the assumptions say so.
// Helm charts are asked about: bosun deploys images, not charts.
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import type { KubernetesAppSpec } from "../../../../stacks/model/index.ts";
import type { Action } from "../draft/types.ts";
import { mib } from "../draft/types.ts";

const fill = (text: string, values: Record<string, string>) => text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);

export const addKubernetesApp: Action = {
  name: "add a Kubernetes app",
  matches: (f) => f.kinds.k8s && (f.templates.length > 0 || f.image !== undefined || /\b(helm|chart)\b/.test(f.s)),
  apply(ctx) {
    const { f, draft } = ctx;
    if (/\b(helm|chart)\b/.test(f.s)) {
      const t = f.templates[0]?.template;
      ctx.questions.push(
        `bosun deploys Kubernetes apps from container images, not Helm charts yet.${t !== undefined ? ` Say "run ${t.name} on kubernetes" to deploy its image (${t.image}).` : ' Say e.g. "run image <name>:<tag> on kubernetes".'}`,
      );
      return;
    }
    const namespace = /\bnamespace ([a-z0-9][a-z0-9-]*)\b/.exec(f.s)?.[1] ?? "default";
    const hits = f.templates.length > 0 ? f.templates.map((h) => h.template) : [undefined];
    for (const t of hits) {
      const image = t?.image ?? f.image ?? "";
      const name =
        f.name ??
        t?.serviceName ??
        t?.name ??
        image
          .split("/")
          .at(-1)
          ?.split(/[:@]/)[0]
          ?.replace(/[^a-z0-9-]/g, "-") ??
        "";
      if (!isDnsLabel(name) || !/^[a-z]/.test(name)) {
        ctx.questions.push(`What should the Kubernetes app for ${image} be called? (say "called <name>", starting with a letter)`);
        return;
      }
      if (draft.kubernetes.apps[name] !== undefined) {
        ctx.questions.push(`A Kubernetes app named "${name}" already exists. Choose another name?`);
        return;
      }
      const ports =
        t !== undefined
          ? t.ports.map((p) => ({ container: p.container, protocol: p.protocol }))
          : f.ports.map((p) => ({ container: p.port, protocol: p.protocol ?? ("tcp" as const) }));
      const env = Object.fromEntries(Object.entries(t?.env ?? {}).map(([k, v]) => [k, fill(v, { name, domain: draft.dns.domain })]));
      const memoryMb = f.memoryMb[0] ?? t?.memory.defaultMb;
      const app: KubernetesAppSpec = {
        image,
        namespace,
        replicas: 1,
        ports,
        env,
        ...(memoryMb !== undefined ? { memoryMb } : {}),
        ...(f.cores[0] !== undefined ? { cpus: f.cores[0] } : {}),
        description: t?.title ?? "",
      };
      draft.kubernetes.apps[name] = app;
      ctx.assumptions.push(
        `${name} runs on Kubernetes from image ${image} in namespace ${namespace}, 1 replica${memoryMb !== undefined ? `, limited to ${mib(memoryMb)}` : ""}${ports.length ? `; a Service exposes ${ports.map((p) => `${p.container}/${p.protocol}`).join(", ")} inside the cluster` : ""}`,
      );
      const secrets = Object.keys(t?.secretEnv ?? {});
      if (secrets.length > 0)
        ctx.assumptions.push(`${name}: ${secrets.join(", ")} is not set (Kubernetes apps hold no secrets in bosun yet); set it in the app`);
      if ((t?.volumes.length ?? 0) > 0) ctx.assumptions.push(`${name} keeps no data across restarts (bosun's Kubernetes apps have no volumes yet)`);
    }
  },
};
