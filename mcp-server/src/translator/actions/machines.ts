// VMs and LXC containers: adding one, resizing one. Not supported yet
// (unsupported.ts): refuse-unsupported answers first; these run again once
// "vm"/"lxc" leave NOT_YET.
import type { LxcSpec, VmSpec } from "../../../../stacks/model/index.ts";
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { createNetwork, networkByTag, networkFor } from "../draft/networks.ts";
import { mib } from "../draft/types.ts";
import type { Action, Ctx } from "../draft/types.ts";
import type { Facts } from "../facts.ts";

/** "an lxc", or "a container with 2 cores" that names no app or image. */
function lxcWanted(f: Facts): boolean {
  return f.kinds.lxc || (/\bcontainer\b/.test(f.s) && f.templates.length === 0 && f.image === undefined && (f.cores.length > 0 || f.diskGb.length > 0));
}

function addMachine(ctx: Ctx, kind: "vm" | "lxc"): void {
  const { f, draft } = ctx;
  const group: Record<string, unknown> = kind === "vm" ? draft.vms : draft.lxc;
  const noun = kind === "vm" ? "VM" : "container";
  let name = f.name ?? f.templates[0]?.template.serviceName ?? f.templates[0]?.template.name;
  if (name === undefined) {
    let i = 1;
    while (group[`${kind}${i}`] !== undefined) i++;
    name = `${kind}${i}`;
    ctx.assumptions.push(`no name given: calling the ${noun} "${name}" (say "called <name>" to choose)`);
  }
  if (!isDnsLabel(name)) {
    ctx.questions.push(`"${name}" can't be a ${noun} name (use a-z, 0-9 and '-').`);
    return;
  }
  if (group[name] !== undefined) {
    ctx.questions.push(`A ${noun} named "${name}" already exists. Choose another name?`);
    return;
  }
  const network = networkFor(ctx, `the ${noun} ${name}`, undefined);
  if (network === undefined) return;
  const defaults = kind === "vm" ? { cores: 2, memoryMb: 2048, diskGb: 32 } : { cores: 1, memoryMb: 512, diskGb: 8 };
  const machine = {
    cores: f.cores[0] ?? defaults.cores,
    memoryMb: f.memoryMb[0] ?? defaults.memoryMb,
    diskGb: f.diskGb[0] ?? defaults.diskGb,
    network,
    description: "",
  };
  const missing = [
    f.cores[0] === undefined ? `${machine.cores} cores` : "",
    f.memoryMb[0] === undefined ? mib(machine.memoryMb) : "",
    f.diskGb[0] === undefined ? `${machine.diskGb} GB disk` : "",
  ].filter(Boolean);
  if (missing.length > 0) ctx.assumptions.push(`${noun} ${name}: default ${missing.join(", ")}`);
  const ubuntu = /\bubuntu(?: (\d\d\.\d\d))?\b/.exec(f.s);
  const debian = /\bdebian(?: (\d+))?\b/.exec(f.s);
  const image = ubuntu !== null ? `ubuntu-${ubuntu[1] ?? "24.04"}` : debian !== null ? `debian-${debian[1] ?? "12"}` : undefined;
  if (kind === "vm") {
    const vm: VmSpec = { ...machine, image: image ?? "debian-12" };
    draft.vms[name] = vm;
    if (image === undefined) ctx.assumptions.push(`VM image debian-12 (say e.g. "ubuntu" to change)`);
  } else {
    const ct: LxcSpec = { ...machine, template: image !== undefined ? `${image}-standard` : "debian-12-standard" };
    draft.lxc[name] = ct;
  }
}

export const addVm: Action = {
  name: "add a VM",
  matches: (f) => f.kinds.vm,
  apply: (ctx) => addMachine(ctx, "vm"),
};

export const addLxc: Action = {
  name: "add an LXC container",
  matches: lxcWanted,
  apply: (ctx) => addMachine(ctx, "lxc"),
};

export const changeMachine: Action = {
  name: "change a VM or container",
  matches: (f) => f.refs.some((r) => r.kind === "vm" || r.kind === "lxc") && !f.verbs.another,
  apply(ctx) {
    const { f, draft } = ctx;
    const ref = f.refs.find((r) => r.kind === "vm" || r.kind === "lxc");
    if (ref === undefined) return;
    const machine = ref.kind === "vm" ? draft.vms[ref.name] : draft.lxc[ref.name];
    if (machine === undefined) return;
    let changed = false;
    if (f.cores[0] !== undefined) {
      machine.cores = f.cores[0];
      changed = true;
    }
    if (f.memoryMb[0] !== undefined) {
      machine.memoryMb = f.memoryMb[0];
      changed = true;
    }
    if (f.diskGb[0] !== undefined) {
      if (f.diskGb[0] < machine.diskGb) {
        ctx.questions.push(
          `Shrinking ${ref.name}'s disk from ${machine.diskGb} GB to ${f.diskGb[0]} GB can lose data; bosun only grows disks. What size (≥ ${machine.diskGb} GB)?`,
        );
        return;
      }
      machine.diskGb = f.diskGb[0];
      changed = true;
    }
    const tag = f.vlans[0];
    if (tag !== undefined) {
      const target = networkByTag(draft, tag) ?? createNetwork(ctx, { vlan: tag });
      if (target === undefined) return;
      machine.network = target;
      delete machine.address;
      changed = true;
    }
    if (!changed) ctx.questions.push(`What should change about ${ref.name}? For example "give ${ref.name} 4 cores" or "resize ${ref.name} to 100GB disk".`);
  },
};
