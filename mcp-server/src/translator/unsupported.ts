// What bosun cannot build yet (the list is stacks/model/support.ts, which the
// spec's validation uses too), so the translator never produces it: a request
// for one gets a plain "bosun cannot … yet". Re-enabling a kind there makes its
// action (actions/index.ts) run again, and its evaluation cases (`kind` in
// test/intents/cases.ts) check what it builds.
import type { SpecError, SpecV1 } from "../../../stacks/model/index.ts";
import { NOT_YET, NOUN, refusal, type BuildKind } from "../../../stacks/model/support.ts";
import type { Facts } from "./facts.ts";

export { NOT_YET, refusal, type BuildKind } from "../../../stacks/model/support.ts";

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
