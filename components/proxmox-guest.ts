// A VM or an LXC container on Proxmox VE as a person asks for it: the guest
// (its NIC on its segment's VLAN, its static address), its DNS name, and the
// filter rules that let its exposed ports in — what a ContainerService with
// its DnsRecord and rules is for containers.
import * as pulumi from "@pulumi/pulumi";
import type { FirewallRuleArgs, FirewallRuleSet } from "../providers/opnsense-dynamic/resources/index.ts";
import { LxcContainer, type LxcContainerArgs, VirtualMachine, type VirtualMachineArgs } from "../providers/proxmox-dynamic/resources/index.ts";
import type { ServiceRuleArgs } from "./composites.ts";
import { DnsRecord, type DnsRecordArgs } from "./dns-record.ts";
import { createRuleSet } from "./firewall-rule.ts";
import { transformed, type Transform } from "./transform.ts";

export interface ProxmoxGuestArgs {
  /** A virtual machine (qemu). Exactly one of vm or lxc. @example { name: "web", image: "local:import/noble-server-cloudimg-amd64.img", cores: 4, memoryMb: 8192, diskGb: 32, storage: "local-lvm", vlan: 10, ip: "10.10.0.20/24", gateway: "10.10.0.1" } */
  vm?: VirtualMachineArgs;
  /** An LXC container. Exactly one of vm or lxc. @example { hostname: "pihole", template: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", cores: 1, memoryMb: 512, diskGb: 8, storage: "local-lvm", vlan: 10, ip: "10.10.0.21/24" } */
  lxc?: LxcContainerArgs;
  /** Its local DNS name (an Unbound host override). @default none @example { hostname: "web", domain: "home.arpa", address: "10.10.0.20" } */
  dns?: DnsRecordArgs;
  /** Filter rules for its exposed ports. @default [] */
  rules?: ServiceRuleArgs[];
  /** Patch the children's args. @default undefined @example { vm: { keepSnapshots: 5 } } */
  transform?: {
    /** @default undefined @example { keepSnapshots: 5 } */
    vm?: Transform<VirtualMachineArgs>;
    /** @default undefined @example { swapMb: 0 } */
    lxc?: Transform<LxcContainerArgs>;
    /** Each rule's args (options do not apply: the rules share one FirewallRuleSet). @default undefined @example { log: true } */
    rule?: Transform<FirewallRuleArgs>;
  };
}

export class ProxmoxGuest extends pulumi.ComponentResource {
  /** The Proxmox resource: a VirtualMachine or an LxcContainer. */
  readonly guest: VirtualMachine | LxcContainer;
  readonly dns?: DnsRecord;
  /** Its filter rules, one resource (absent without rules). */
  readonly rules?: FirewallRuleSet;
  readonly vmid: pulumi.Output<number>;
  readonly node: pulumi.Output<string>;
  /** The guest's address, as Proxmox reports it. */
  readonly address: pulumi.Output<string>;
  /** Its DNS name (e.g. "web.home.arpa"); "" without one. */
  readonly fqdn: pulumi.Output<string>;

  constructor(name: string, args: ProxmoxGuestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:ProxmoxGuest", name, {}, opts);
    if ((args.vm === undefined) === (args.lxc === undefined)) throw new pulumi.RunError(`ProxmoxGuest "${name}": give exactly one of vm or lxc`);
    const t = args.transform ?? {};
    const self = { parent: this };
    if (args.vm !== undefined) {
      const [a, o] = transformed(t.vm, `${name}-vm`, args.vm, self);
      this.guest = new VirtualMachine(`${name}-vm`, a, o);
    } else {
      const [a, o] = transformed(t.lxc, `${name}-lxc`, args.lxc as LxcContainerArgs, self);
      this.guest = new LxcContainer(`${name}-lxc`, a, o);
    }
    // The DNS name follows the guest: it is only served once the guest exists.
    if (args.dns !== undefined) this.dns = new DnsRecord(`${name}-dns`, args.dns, { parent: this, dependsOn: [this.guest] });
    this.rules = createRuleSet(name, args.rules ?? [], this, t.rule);
    this.vmid = this.guest.vmid;
    this.node = this.guest.node;
    this.address = this.guest.address;
    this.fqdn = this.dns?.fqdn ?? pulumi.output("");
    this.registerOutputs({ vmid: this.vmid, node: this.node, address: this.address, fqdn: this.fqdn });
  }
}
