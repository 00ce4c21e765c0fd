// Operating-system images VMs and LXC containers start from, by the name the
// spec uses ("debian-12"). Each names the Proxmox volume it stands for on a
// stock node: a cloud image in `local:import/` for VMs (imported as the boot
// disk, cloud-init ready) and a container template in `local:vztmpl/` for LXC.
// A cluster that keeps them elsewhere, or uses template VMs to clone, says so
// in the stack setting `bosun:proxmoxImages` (same shape, merged over this).
// Names of what a node really holds are checked at preview (the provider's
// preflight lists what is there), so a missing image fails before anything is made.

export interface OsImage {
  title: string;
  /** How a VM gets this OS: a cloud image volume to import, or a template VM to full-clone. */
  vm?: { image?: string; clone?: string /** cloud-init's default user of the image. */; user: string };
  /** LXC container template volume. */
  lxc?: string;
}

export const OS_IMAGES: Readonly<Record<string, OsImage>> = {
  "debian-12": {
    title: "Debian 12",
    vm: { image: "local:import/debian-12-genericcloud-amd64.qcow2", user: "debian" },
    lxc: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
  },
  "ubuntu-24.04": {
    title: "Ubuntu 24.04 LTS",
    vm: { image: "local:import/noble-server-cloudimg-amd64.img", user: "ubuntu" },
    lxc: "local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst",
  },
  "ubuntu-22.04": {
    title: "Ubuntu 22.04 LTS",
    vm: { image: "local:import/jammy-server-cloudimg-amd64.img", user: "ubuntu" },
    lxc: "local:vztmpl/ubuntu-22.04-standard_22.04-1_amd64.tar.zst",
  },
  "alpine-3.20": { title: "Alpine Linux 3.20", lxc: "local:vztmpl/alpine-3.20-default_20240908_amd64.tar.xz" },
};

/** A Proxmox volume id ("local:import/x.qcow2", "local:vztmpl/x.tar.zst") given instead of an OS name. */
export const VOLUME_ID = /^[a-zA-Z][a-zA-Z0-9\-_.]*:(import|vztmpl)\/[^/\s]+$/;

/** OS names usable for a kind of guest. */
export function osImageNames(kind: "vm" | "lxc", images: Readonly<Record<string, OsImage>> = OS_IMAGES): string[] {
  return Object.entries(images)
    .filter(([, i]) => (kind === "vm" ? i.vm !== undefined : i.lxc !== undefined))
    .map(([name]) => name);
}
