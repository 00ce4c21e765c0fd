// Pure mappings for what runs beside services: a VM's or container's Proxmox
// arguments (OS image resolved, NIC on its segment's VLAN, static address),
// a Kubernetes app's component arguments. No Pulumi here; unit-tested directly.
import type { KubernetesAppArgs } from "../../components/kubernetes-app.ts";
import type { LxcContainerArgs, VirtualMachineArgs } from "../../providers/proxmox-dynamic/resources/index.ts";
import { OS_IMAGES, VOLUME_ID, type OsImage } from "../templates/os-images.ts";
import { hostAddresses } from "./addresses.ts";
import type { SpecV1 } from "./schema.ts";

/** How this stack's Proxmox cluster is laid out (stack settings, see README). */
export interface ProxmoxSite {
  /** Storage for disks when the spec names none. @default "local-lvm" */
  storage: string;
  /** Bridge the NICs go on; the segment's VLAN tag is set on the NIC. @default "vmbr0" */
  bridge: string;
  /** OS images by name: the catalog with the stack's `bosun:proxmoxImages` merged over it. */
  images: Readonly<Record<string, OsImage>>;
}

export const DEFAULT_SITE: ProxmoxSite = { storage: "local-lvm", bridge: "vmbr0", images: OS_IMAGES };

/** The catalog with a stack's overrides (known names only: a new OS is a catalog entry, so validation knows it). */
export type OsImageOverride = { title?: string; vm?: { image?: string; clone?: string; user?: string }; lxc?: string };

export function siteImages(overrides: Record<string, OsImageOverride> | undefined): Record<string, OsImage> {
  const images: Record<string, OsImage> = { ...OS_IMAGES };
  for (const [name, o] of Object.entries(overrides ?? {})) {
    const base = images[name];
    if (base === undefined) throw new Error(`bosun:proxmoxImages: "${name}" is not an OS name of the catalog (${Object.keys(OS_IMAGES).join(", ")})`);
    const vm = o.vm
      ? { ...(o.vm.clone !== undefined ? { clone: o.vm.clone } : { image: o.vm.image ?? base.vm?.image }), user: o.vm.user ?? base.vm?.user ?? "root" }
      : base.vm;
    images[name] = {
      title: o.title ?? base.title,
      ...(vm !== undefined ? { vm } : {}),
      ...((o.lxc ?? base.lxc) !== undefined ? { lxc: o.lxc ?? base.lxc } : {}),
    };
  }
  return images;
}

function placement(spec: SpecV1, kind: "vm" | "lxc", name: string, site: ProxmoxSite) {
  const guest = kind === "vm" ? spec.vms[name] : spec.lxc[name];
  if (guest === undefined) throw new Error(`no ${kind === "vm" ? "VM" : "container"} named "${name}"`);
  const net = spec.networks[guest.network];
  if (net === undefined) throw new Error(`${kind} "${name}" is on unknown network "${guest.network}"`);
  const address = hostAddresses(spec).address(kind, name);
  if (address === undefined) throw new Error(`${kind} "${name}" has no address`);
  const prefix = net.subnet.split("/")[1] ?? "24";
  return {
    address,
    args: {
      ...(guest.node !== undefined ? { node: guest.node } : {}),
      cores: guest.cores,
      memoryMb: guest.memoryMb,
      diskGb: guest.diskGb,
      storage: guest.storage ?? site.storage,
      bridge: site.bridge,
      vlan: net.vlan,
      ip: `${address}/${prefix}`,
      gateway: net.gateway,
      // OPNsense answers DNS on every segment's gateway (Unbound), as DHCP tells other hosts.
      nameserver: net.gateway,
      sshKeys: guest.sshKeys,
      onBoot: guest.onBoot,
      description: guest.description || `bosun ${kind} ${name}`,
    },
  };
}

/** Proxmox arguments of VM `name`: the OS image as a cloud image to import or a template to clone. */
export function vmArgsFor(spec: SpecV1, name: string, site: ProxmoxSite = DEFAULT_SITE): { args: VirtualMachineArgs; address: string } {
  const vm = spec.vms[name];
  if (vm === undefined) throw new Error(`no VM named "${name}"`);
  const { address, args } = placement(spec, "vm", name, site);
  let source: { image?: string; clone?: string; user?: string };
  if (vm.clone !== undefined) source = { clone: vm.clone };
  else if (vm.image !== undefined && VOLUME_ID.test(vm.image)) source = { image: vm.image };
  else {
    const os = site.images[vm.image ?? ""]?.vm;
    if (os === undefined) throw new Error(`vms.${name}.image: no VM image "${vm.image}" (known: ${Object.keys(site.images).join(", ")})`);
    source = { ...(os.clone !== undefined ? { clone: os.clone } : { image: os.image }), user: os.user };
  }
  const user = vm.user ?? source.user;
  return {
    address,
    args: {
      name,
      ...args,
      ...(source.clone !== undefined ? { clone: source.clone } : { image: source.image }),
      ...(user !== undefined ? { user } : {}),
    },
  };
}

/** Proxmox arguments of LXC container `name`. */
export function lxcArgsFor(spec: SpecV1, name: string, site: ProxmoxSite = DEFAULT_SITE): { args: LxcContainerArgs; address: string } {
  const ct = spec.lxc[name];
  if (ct === undefined) throw new Error(`no container named "${name}"`);
  const { address, args } = placement(spec, "lxc", name, site);
  const template = VOLUME_ID.test(ct.template) ? ct.template : site.images[ct.template]?.lxc;
  if (template === undefined) throw new Error(`lxc.${name}.template: no container template "${ct.template}" (known: ${Object.keys(site.images).join(", ")})`);
  return { address, args: { hostname: name, ...args, template, swapMb: ct.swapMb, unprivileged: ct.unprivileged, nesting: ct.nesting } };
}

/** KubernetesApp arguments of app `name` (namespace made by the program, so several apps can share one). */
export function kubernetesAppArgsFor(spec: SpecV1, name: string, awaitRollout = false): Omit<KubernetesAppArgs, "provider" | "kubeconfig"> {
  const app = spec.kubernetes.apps[name];
  if (app === undefined) throw new Error(`no Kubernetes app named "${name}"`);
  if (app.image === undefined) throw new Error(`kubernetes.apps.${name}: needs an image`);
  const half = (n: number) => Math.max(1, Math.round(n / 2));
  const resources = {
    ...(app.memoryMb !== undefined || app.cpus !== undefined
      ? {
          requests: {
            ...(app.memoryMb !== undefined ? { memory: `${half(app.memoryMb)}Mi` } : {}),
            ...(app.cpus !== undefined ? { cpu: `${Math.max(1, Math.round(app.cpus * 500))}m` } : {}),
          },
          limits: {
            ...(app.memoryMb !== undefined ? { memory: `${app.memoryMb}Mi` } : {}),
            ...(app.cpus !== undefined ? { cpu: `${Math.round(app.cpus * 1000)}m` } : {}),
          },
        }
      : {}),
  };
  const env = Object.fromEntries(Object.entries(app.env).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])));
  return {
    namespace: app.namespace,
    createNamespace: false,
    appName: name,
    image: app.image,
    replicas: app.replicas,
    env,
    ports: app.ports.map((p) => ({
      containerPort: p.container,
      ...(p.service !== undefined ? { servicePort: p.service } : {}),
      protocol: p.protocol === "udp" ? "UDP" : "TCP",
    })),
    resources,
    ...(app.ingress !== undefined
      ? { ingress: { host: app.ingress.host, path: app.ingress.path, ...(app.ingress.className !== undefined ? { className: app.ingress.className } : {}) } }
      : {}),
    awaitRollout,
  };
}
