// What bosun cannot build yet. The spec will refuse these until the parts that
// build them land, so the translator never produces them: a request for one
// gets a plain "bosun cannot … yet". Re-enabling a kind is deleting it from
// NOT_YET (one line); its action (actions/index.ts) then runs again, and its
// evaluation cases (`kind` in test/intents/cases.ts) check what it builds.
import type { SpecError, SpecV1 } from "../../../stacks/model/index.ts";
import type { Facts } from "./facts.ts";

export type BuildKind = "vm" | "lxc" | "k8s" | "certificate" | "cname";

/** The kinds bosun cannot build yet: the one place to change. */
export const NOT_YET: ReadonlySet<BuildKind> = new Set<BuildKind>(["vm", "lxc", "k8s", "certificate", "cname"]);

const CONTAINERS_INSTEAD = `it runs services as Docker containers on its VLANs: pick one from the catalog, or say "run image <name>:<tag> on VLAN 10"`;

/** "bosun cannot <what> yet; <instead>." */
const REFUSAL: Record<BuildKind, { what: string; instead: string }> = {
  vm: { what: "deploy VMs", instead: CONTAINERS_INSTEAD },
  lxc: { what: "deploy LXC containers", instead: CONTAINERS_INSTEAD },
  k8s: { what: "deploy Kubernetes apps", instead: `it can run the same app as a Docker container (e.g. "deploy jellyfin on VLAN 60")` },
  certificate: { what: "issue certificates", instead: "services are served on their own ports, without a certificate from bosun" },
  cname: { what: "create CNAME records", instead: `point the name at an address instead (an A record, e.g. "point wiki to 10.10.0.11")` },
};

/** Plural nouns, for the list in the model's prompt. */
const NOUN: Record<BuildKind, string> = { vm: "VMs", lxc: "LXC containers", k8s: "Kubernetes apps", certificate: "certificates", cname: "CNAME records" };

export function refusal(kind: BuildKind): string {
  const r = REFUSAL[kind];
  return `bosun cannot ${r.what} yet; ${r.instead}.`;
}

/** "VMs, LXC containers … or CNAME records": for the model's prompt. */
export function notYetList(): string {
  const nouns = [...NOT_YET].map((k) => NOUN[k]);
  return nouns.length <= 1 ? (nouns[0] ?? "") : `${nouns.slice(0, -1).join(", ")} or ${nouns.at(-1)}`;
}

/**
 * Kinds the request asks bosun to build or change. Removing one that exists
 * is not building it, so removals ask for nothing here.
 */
export function requestedKinds(f: Facts): BuildKind[] {
  if (f.verbs.remove) return [];
  const refs = new Set(f.refs.map((r) => r.kind));
  const machineWords = /\bcontainer\b/.test(f.s) && f.templates.length === 0 && f.image === undefined && (f.cores.length > 0 || f.diskGb.length > 0);
  const kinds: BuildKind[] = [];
  if (f.kinds.vm || refs.has("vm")) kinds.push("vm");
  if (f.kinds.lxc || refs.has("lxc") || machineWords) kinds.push("lxc");
  // "a vm named k3s" names a VM, not a cluster.
  const k8sWords = f.ws.filter((w, i) => /^(kubernetes|k8s|k3s|helm)$/.test(w) && f.ws[i - 1] !== "named" && f.ws[i - 1] !== "called");
  if (k8sWords.length > 0 || refs.has("k8s")) kinds.push("k8s");
  // "https" or "tls" next to a port is a port, not a certificate request.
  if ((f.kinds.certificate && f.ports.length === 0) || refs.has("certificate")) kinds.push("certificate");
  if (f.kinds.cname) kinds.push("cname");
  return kinds;
}

/** Unsupported kinds the request asks for. */
export function refusedKinds(f: Facts): BuildKind[] {
  return requestedKinds(f).filter((k) => NOT_YET.has(k));
}

/**
 * Entries of unsupported kinds that `spec` adds or changes compared with
 * `current`: the same rule for the offline translator and the model's answers.
 */
export function unsupportedChanges(spec: SpecV1, current: SpecV1 | undefined): SpecError[] {
  const errors: SpecError[] = [];
  const check = (kind: BuildKind, path: string, now: Record<string, unknown>, before: Record<string, unknown> | undefined) => {
    if (!NOT_YET.has(kind)) return;
    for (const [name, item] of Object.entries(now)) {
      if (JSON.stringify(item) !== JSON.stringify(before?.[name])) errors.push({ path: `${path}.${name}`, message: refusal(kind) });
    }
  };
  check("vm", "vms", spec.vms, current?.vms);
  check("lxc", "lxc", spec.lxc, current?.lxc);
  check("k8s", "kubernetes.apps", spec.kubernetes.apps, current?.kubernetes.apps);
  check("certificate", "certificates", spec.certificates, current?.certificates);
  if (NOT_YET.has("cname")) {
    const had = new Set((current?.dns.records ?? []).map((r) => JSON.stringify(r)));
    spec.dns.records.forEach((r, i) => {
      if (r.type === "CNAME" && !had.has(JSON.stringify(r))) errors.push({ path: `dns.records.${i}`, message: refusal("cname") });
    });
  }
  return errors;
}
