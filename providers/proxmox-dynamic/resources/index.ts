// Thin Pulumi resource classes for Proxmox VE guests. Each passes its args
// plus `undefined` placeholders for outputs to a tiny serialized provider;
// the implementations (*-impl.ts) run in Pulumi's dynamic-provider process.
// The connection comes from stack config (proxmox:url, proxmox:tokenId,
// proxmox:tokenSecret, proxmox:node, proxmox:caPem, proxmox:insecure)
// through configure(), never from these args.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, dynamicProvider, implPath } from "../../kit/index.ts";

type In<T> = pulumi.Input<T>;
const MODULE = "proxmox";

export const vmProvider = dynamicProvider(implPath("./vm-impl.ts", import.meta.url));
export const lxcProvider = dynamicProvider(implPath("./lxc-impl.ts", import.meta.url));

/** What VMs and containers share. */
export interface GuestArgs {
  /** Node to run on; changing it replaces the guest. @default stack config proxmox:node */
  node?: In<string>;
  /** @example 4 */
  cores: In<number>;
  /** @example 8192 */
  memoryMb: In<number>;
  /** Boot/root disk size; grown in place, never shrunk. @example 32 */
  diskGb: In<number>;
  /** Storage for the disk; changing it replaces the guest. @example "local-lvm" */
  storage: In<string>;
  /** @default "vmbr0" */
  bridge?: In<string>;
  /** VLAN tag of the segment on the NIC. @example 20 */
  vlan?: In<number>;
  /** "dhcp" or a static address with prefix. @default "dhcp" @example "10.20.0.50/24" */
  ip?: In<string>;
  /** With a static ip. @example "10.20.0.1" */
  gateway?: In<string>;
  nameserver?: In<string>;
  /** OpenSSH public key lines. @default [] */
  sshKeys?: In<In<string>[]>;
  /** Start with the node. @default true */
  onBoot?: In<boolean>;
  /** Keep it running; a guest found stopped is started again by the next up. @default true */
  started?: In<boolean>;
  /** Snapshot before each change to disk or config and roll back if the change fails. @default true */
  snapshots?: In<boolean>;
  /** bosun snapshots kept after successful changes (older ones are deleted). @default 3 */
  keepSnapshots?: In<number>;
  description?: In<string>;
}

export interface VirtualMachineArgs extends GuestArgs {
  /** VM name (a host name). @example "web" */
  name: In<string>;
  /** Template VM to full-clone: its name or VMID. One of clone or image. @example "ubuntu-2404-cloud" */
  clone?: In<string>;
  /** Cloud image to import as the boot disk. One of clone or image. @example "local:import/noble-server-cloudimg-amd64.img" */
  image?: In<string>;
  /** cloud-init user. @example "ubuntu" */
  user?: In<string>;
  /** QEMU guest agent (needed for the DHCP address). @default true */
  agent?: In<boolean>;
}

const OUTPUTS = { vmid: undefined, address: undefined, status: undefined, macAddress: undefined, lastSnapshot: undefined };

/** A Proxmox VE virtual machine (qemu). */
export class VirtualMachine extends DynamicResource {
  declare readonly vmid: pulumi.Output<number>;
  declare readonly node: pulumi.Output<string>;
  /** IPv4 address: the static one, or the guest agent's for DHCP ("" until it answers). */
  declare readonly address: pulumi.Output<string>;
  /** "running" or "stopped" (as last read). */
  declare readonly status: pulumi.Output<string>;
  declare readonly macAddress: pulumi.Output<string>;
  declare readonly disk: pulumi.Output<string>;
  declare readonly lastSnapshot: pulumi.Output<string>;
  constructor(name: string, args: VirtualMachineArgs, opts?: pulumi.CustomResourceOptions) {
    super(vmProvider, name, { ...args, node: args.node, ...OUTPUTS, disk: undefined }, opts, MODULE, "VirtualMachine");
  }
}

export interface LxcContainerArgs extends GuestArgs {
  /** @example "pihole" */
  hostname: In<string>;
  /** LXC template volume; changing it replaces the container. @example "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst" */
  template: In<string>;
  /** @default 512 */
  swapMb?: In<number>;
  /** @default true */
  unprivileged?: In<boolean>;
  /** Allow nested containers (features: nesting=1). @default false */
  nesting?: In<boolean>;
}

/** A Proxmox VE LXC container. SSH keys are set at creation only, so changing them replaces it. */
export class LxcContainer extends DynamicResource {
  declare readonly vmid: pulumi.Output<number>;
  declare readonly node: pulumi.Output<string>;
  declare readonly address: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly macAddress: pulumi.Output<string>;
  declare readonly lastSnapshot: pulumi.Output<string>;
  constructor(name: string, args: LxcContainerArgs, opts?: pulumi.CustomResourceOptions) {
    super(lxcProvider, name, { ...args, node: args.node, ...OUTPUTS }, opts, MODULE, "LxcContainer");
  }
}
