// VMs and LXC containers on Proxmox: adding one ("an Ubuntu VM with 4 cores and
// 8 GB", "a Debian LXC for Pi-hole"), resizing one. The OS comes from the words
// (ubuntu, debian, alpine) and must be in the OS catalog; an app named in the
// sentence gives the name and the ports the firewall opens.
import type { GuestPort, LxcSpec, VmSpec } from "../../../../stacks/model/index.ts";
import { isDnsLabel } from "../../../../stacks/model/names.ts";
import { OS_IMAGES, osImageNames } from "../../../../stacks/templates/os-images.ts";
import { createNetwork, networkByTag, networkFor } from "../draft/networks.ts";
import { pinHostAddress } from "../draft/services.ts";
import { mib } from "../draft/types.ts";
import type { Action, Ctx } from "../draft/types.ts";
import type { Facts } from "../facts.ts";

/** "an lxc", or "a container with 2 cores" that names no app or image. */
function lxcWanted(f: Facts): boolean {
  return f.kinds.lxc || (/\bcontainer\b/.test(f.s) && f.templates.length === 0 && f.image === undefined && (f.cores.length > 0 || f.diskGb.length > 0));
}

/** Asking to make one, not to change one that is not there ("resize the docker vm"). */
const makes = (f: Facts) => f.verbs.add || !f.verbs.modify;

/** Operating systems people name that bosun has no image for. */
const OTHER_OS = /\b(windows|fedora|centos|rocky|almalinux|alma|arch|opensuse|suse|freebsd|rhel|red hat|nixos|gentoo)\b/;

/** The OS catalog name the words ask for; undefined with a question when there is none. */
function osFor(ctx: Ctx, kind: "vm" | "lxc"): string | undefined | null {
  const { f } = ctx;
  const known = osImageNames(kind);
  const other = OTHER_OS.exec(f.s);
  if (other !== null) {
    ctx.questions.push(
      `bosun has no ${other[1]} image for ${kind === "vm" ? "VMs" : "containers"} (it has ${known.join(", ")}). Which of these should it use?`,
    );
    return null;
  }
  const ubuntu = /\bubuntu(?: (\d\d\.\d\d))?\b/.exec(f.s);
  const debian = /\bdebian(?: (\d+))?\b/.exec(f.s);
  const alpine = /\balpine(?: (\d\.\d+))?\b/.exec(f.s);
  const wanted =
    ubuntu !== null
      ? `ubuntu-${ubuntu[1] ?? "24.04"}`
      : debian !== null
        ? `debian-${debian[1] ?? "12"}`
        : alpine !== null
          ? `alpine-${alpine[1] ?? "3.20"}`
          : undefined;
  if (wanted === undefined) return undefined;
  if (!known.includes(wanted)) {
    ctx.questions.push(`bosun has no ${wanted} image for ${kind === "vm" ? "VMs" : "containers"} (it has ${known.join(", ")}). Which of these should it use?`);
    return null;
  }
  return wanted;
}

function addMachine(ctx: Ctx, kind: "vm" | "lxc"): void {
  const { f, draft } = ctx;
  const group: Record<string, unknown> = kind === "vm" ? draft.vms : draft.lxc;
  const noun = kind === "vm" ? "VM" : "container";
  const app = f.templates[0]?.template;
  let name = f.name ?? app?.serviceName ?? app?.name;
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
  if (group[name] !== undefined || draft.services[name] !== undefined || (kind === "lxc" ? draft.vms : draft.lxc)[name] !== undefined) {
    ctx.questions.push(`Something named "${name}" already exists. Choose another name for the ${noun} (say "called <name>")?`);
    return;
  }
  const os = osFor(ctx, kind);
  if (os === null) return;
  const network = networkFor(ctx, `the ${noun} ${name}`, app?.category);
  if (network === undefined) return;
  const defaults = kind === "vm" ? { cores: 2, memoryMb: 2048, diskGb: 32 } : { cores: 1, memoryMb: app?.memory.defaultMb ?? 512, diskGb: 8 };
  const ports: GuestPort[] = (app?.ports ?? []).map((p) => ({
    port: p.host ?? p.container,
    protocol: p.protocol,
    expose: f.flags.internal ? "network" : p.expose,
  }));
  const common = {
    cores: f.cores[0] ?? defaults.cores,
    memoryMb: f.memoryMb[0] ?? defaults.memoryMb,
    diskGb: f.diskGb[0] ?? defaults.diskGb,
    network,
    sshKeys: [],
    onBoot: true,
    ports,
    dns: f.dnsName ?? name,
    description: app !== undefined ? `${app.title}` : "",
  };
  const missing = [
    f.cores[0] === undefined ? `${common.cores} core${common.cores === 1 ? "" : "s"}` : "",
    f.memoryMb[0] === undefined ? mib(common.memoryMb) : "",
    f.diskGb[0] === undefined ? `${common.diskGb} GB disk` : "",
  ].filter(Boolean);
  if (missing.length > 0) ctx.assumptions.push(`${noun} ${name}: default ${missing.join(", ")}`);
  const osName = os ?? "debian-12";
  if (os === undefined) ctx.assumptions.push(`${noun} ${name} runs ${OS_IMAGES[osName]?.title} (say e.g. "ubuntu" to change)`);
  if (kind === "vm") {
    const vm: VmSpec = { ...common, image: osName };
    draft.vms[name] = vm;
  } else {
    const ct: LxcSpec = { ...common, template: osName, swapMb: 512, unprivileged: true, nesting: false };
    draft.lxc[name] = ct;
  }
  if (app !== undefined) {
    ctx.assumptions.push(
      `bosun makes the ${noun} and opens ${app.title}'s ports (${ports.map((p) => `${p.port}/${p.protocol}`).join(", ") || "none"}); installing ${app.title} inside it is yours to do (or say "deploy ${app.name}" for bosun's container)`,
    );
  }
  pinHostAddress(ctx, kind, name, network);
  const address = (kind === "vm" ? draft.vms[name] : draft.lxc[name])?.address;
  ctx.assumptions.push(`${name} is reachable as ${common.dns}.${draft.dns.domain}${address !== undefined ? ` at ${address}` : ""}`);
}

export const addVm: Action = {
  name: "add a VM",
  matches: (f) => f.kinds.vm && makes(f),
  apply: (ctx) => addMachine(ctx, "vm"),
};

export const addLxc: Action = {
  name: "add an LXC container",
  matches: (f) => lxcWanted(f) && makes(f),
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
      pinHostAddress(ctx, ref.kind === "vm" ? "vm" : "lxc", ref.name, target);
      changed = true;
    }
    if (!changed) ctx.questions.push(`What should change about ${ref.name}? For example "give ${ref.name} 4 cores" or "resize ${ref.name} to 100GB disk".`);
  },
};

/** "resize the docker vm" when there is no such VM: said, instead of making one. */
export const unknownMachine: Action = {
  name: "change a VM or container that does not exist",
  matches: (f) => (f.kinds.vm || f.kinds.lxc) && !makes(f),
  apply(ctx) {
    const { f, draft } = ctx;
    const vms = Object.keys(draft.vms);
    const cts = Object.keys(draft.lxc);
    const existing = [...vms.map((n) => `VM ${n}`), ...cts.map((n) => `container ${n}`)];
    ctx.questions.push(
      `There is no such ${f.kinds.vm ? "VM" : "container"} to change${existing.length ? ` (there are: ${existing.join(", ")})` : " (this stack has none)"}. To make a new one, say e.g. "create a vm called docker with 4 cores on vlan 10".`,
    );
  },
};
