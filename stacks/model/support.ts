// What the spec can describe but bosun cannot build yet. Validation refuses
// these entries (a spec field that validates but deploys nothing would be a
// silent no-op), and the translator asks instead of producing them. When the
// part that builds a kind lands, delete it from NOT_YET: the one line to change.

export type BuildKind = "vm" | "lxc" | "k8s" | "certificate" | "cname";

/** The kinds bosun cannot build yet. */
export const NOT_YET: ReadonlySet<BuildKind> = new Set<BuildKind>(["cname"]);

const CONTAINERS_INSTEAD = `it runs services as Docker containers on its VLANs: pick one from the catalog, or say "run image <name>:<tag> on VLAN 10"`;

const REFUSAL: Record<BuildKind, { what: string; instead: string }> = {
  vm: { what: "deploy VMs", instead: CONTAINERS_INSTEAD },
  lxc: { what: "deploy LXC containers", instead: CONTAINERS_INSTEAD },
  k8s: { what: "deploy Kubernetes apps", instead: `it can run the same app as a Docker container (e.g. "deploy jellyfin on VLAN 60")` },
  certificate: { what: "issue certificates", instead: "services are served on their own ports, without a certificate from bosun" },
  cname: { what: "create CNAME records", instead: `point the name at an address instead (an A record, e.g. "point wiki to 10.10.0.11")` },
};

/** Plural nouns, e.g. for a model's prompt. */
export const NOUN: Record<BuildKind, string> = {
  vm: "VMs",
  lxc: "LXC containers",
  k8s: "Kubernetes apps",
  certificate: "certificates",
  cname: "CNAME records",
};

/** "bosun cannot <what> yet; <instead>." */
export function refusal(kind: BuildKind): string {
  const r = REFUSAL[kind];
  return `bosun cannot ${r.what} yet; ${r.instead}.`;
}
