// Test fixture program: declares bosun's Proxmox guests from config key
// `case` (JSON), so engine tests can create, update and delete them through
// `pulumi up` without the spec layer in between.
import * as pulumi from "@pulumi/pulumi";
import { LxcContainer, VirtualMachine } from "../../resources/index.ts";
import type { Case } from "./case.ts";

const spec = new pulumi.Config().requireObject<Case>("case");
const guests: Record<string, VirtualMachine | LxcContainer> = {};
for (const [name, args] of Object.entries(spec.vms ?? {})) guests[name] = new VirtualMachine(name, args as never);
for (const [name, args] of Object.entries(spec.lxc ?? {})) guests[name] = new LxcContainer(name, args as never);

const summary = (g: VirtualMachine | LxcContainer) =>
  pulumi.all([g.id, g.vmid, g.address, g.status]).apply(([id, vmid, address, status]) => ({ id, vmid, address, status }));
export const guestsOut = pulumi.all(Object.fromEntries(Object.entries(guests).map(([k, g]) => [k, summary(g)])));
