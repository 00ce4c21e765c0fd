// What the simulator's operations share: their context, and the MAC address a
// NIC gets (create, config and clone all use it; kept here so create.ts and
// lifecycle.ts need not import each other).
import { parseProps, printProps } from "../client/format.ts";
import type { SimStore } from "./store.ts";

export interface OpCtx {
  store: SimStore;
  node: string;
  user: string;
  /** From an injected fault: the task fails half-way with this message. */
  failHalfway?: string;
}

export function randomMac(): string {
  const b = Array.from({ length: 3 }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, "0")
      .toUpperCase(),
  );
  return `BC:24:11:${b.join(":")}`;
}

/** Gives a NIC without a MAC one (the NIC's previous MAC when it had one), as Proxmox does on create, config and clone. */
export function withMac(type: "qemu" | "lxc", value: string, fresh = false, previous?: string): string {
  const map = parseProps(value);
  const old = previous ? parseProps(previous) : {};
  if (type === "lxc") {
    if (fresh) map.hwaddr = randomMac();
    else map.hwaddr ??= old.hwaddr ?? randomMac();
    if (!map.type) map.type = "veth";
    return printProps(map, ["name", "bridge", "hwaddr", "ip", "gw", "tag", "type"]);
  }
  const model = ["virtio", "e1000", "e1000e", "rtl8139", "vmxnet3"].find((m) => m in map) ?? map._ ?? "virtio";
  const oldMac = ["virtio", "e1000", "e1000e", "rtl8139", "vmxnet3"].map((m) => old[m]).find(Boolean);
  const mac = fresh ? randomMac() : (map[model] ?? oldMac ?? randomMac());
  delete map._;
  delete map[model];
  const rest = printProps(map, ["bridge", "tag"]);
  return `${model}=${mac}${rest ? `,${rest}` : ""}`;
}
