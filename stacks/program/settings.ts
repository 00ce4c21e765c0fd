// Stack settings the program reads besides bosun:spec: how this stack's
// Proxmox cluster, Kubernetes cluster and image registry are reached. Each
// problem is a RunError naming the key, raised before any resource exists.
import { existsSync, readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { siteImages, type OsImageOverride, type ProxmoxSite } from "../model/mapping-compute.ts";
import type { SpecV1 } from "../model/index.ts";

const bosun = new pulumi.Config("bosun");

/** The Proxmox layout (bosun:proxmoxStorage, bosun:proxmoxBridge, bosun:proxmoxImages); checks the connection when the spec has guests. */
export function proxmoxSite(spec: SpecV1): ProxmoxSite {
  const guests = [...Object.keys(spec.vms).map((n) => `vms.${n}`), ...Object.keys(spec.lxc).map((n) => `lxc.${n}`)];
  if (guests.length > 0 && !new pulumi.Config("proxmox").get("url") && !process.env["PROXMOX_URL"]) {
    throw new pulumi.RunError(
      `the spec has ${guests.join(", ")} but this stack has no Proxmox connection: set proxmox:url, proxmox:tokenId and (with --secret) proxmox:tokenSecret (see providers/proxmox-dynamic/README.md)`,
    );
  }
  let images;
  try {
    images = siteImages(bosun.getObject<Record<string, OsImageOverride>>("proxmoxImages"));
  } catch (error) {
    throw new pulumi.RunError((error as Error).message);
  }
  return { storage: bosun.get("proxmoxStorage") ?? "local-lvm", bridge: bosun.get("proxmoxBridge") ?? "vmbr0", images };
}

/**
 * The kubeconfig for the stack's Kubernetes apps: `kubernetes:kubeconfig` (set it with --secret),
 * holding the file's contents or its path. Undefined when the spec has no apps.
 */
export function kubeconfig(spec: SpecV1): pulumi.Output<string> | undefined {
  const apps = Object.keys(spec.kubernetes.apps);
  if (apps.length === 0) return undefined;
  const value = new pulumi.Config("kubernetes").getSecret("kubeconfig");
  if (value === undefined) {
    throw new pulumi.RunError(
      `the spec has Kubernetes apps (${apps.join(", ")}) but this stack has no kubeconfig: set kubernetes:kubeconfig (--secret) to the kubeconfig's contents or its path`,
    );
  }
  return value.apply((text) => {
    const trimmed = text.trim();
    if (trimmed.includes("\n") || trimmed.startsWith("{") || trimmed.startsWith("apiVersion")) return text;
    if (!existsSync(trimmed)) throw new pulumi.RunError(`kubernetes:kubeconfig: no file ${trimmed} (give the kubeconfig's contents or an existing path)`);
    return readFileSync(trimmed, "utf8");
  });
}

/** bosun:kubernetesAwait: wait for rollouts (pods ready); off by default, as the KubernetesApp component. */
export function kubernetesAwait(): boolean {
  return bosun.getBoolean("kubernetesAwait") ?? false;
}

/**
 * bosun:registryMirror: a registry standing in for Docker Hub. "local" is the registry that
 * scripts/services.sh runs for this checkout (BOSUN_REGISTRY in its services.env).
 */
export function registryMirror(): string | undefined {
  const value = bosun.get("registryMirror");
  if (value === undefined || value === "") return undefined;
  if (value !== "local") {
    if (!/^[a-z0-9.-]+(:\d{1,5})?$/i.test(value)) throw new pulumi.RunError(`bosun:registryMirror: "${value}" must be host[:port] or "local"`);
    return value;
  }
  const local = process.env["BOSUN_REGISTRY"];
  if (!local) {
    throw new pulumi.RunError(
      'bosun:registryMirror is "local" but no local registry is known (BOSUN_REGISTRY is unset): run `bash scripts/services.sh start`, or run pulumi through scripts/with-env.sh',
    );
  }
  return local;
}
