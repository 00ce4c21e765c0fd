// Test fixture program: one KubernetesApp from config key `app` (JSON, the component's plain
// args). Secret values come from their own secret config keys, as a real stack would keep them:
// `secret.<VAR>` for each name in `app.secretEnvNames`, and `tlsKey` for the Ingress TLS key
// (with `tlsCert`). The kubeconfig is stack config `kubernetes:kubeconfig`, read by the component.
import * as pulumi from "@pulumi/pulumi";
import { KubernetesApp, type KubernetesAppArgs } from "../../../components/kubernetes-app.ts";

type Plain = Omit<KubernetesAppArgs, "secretEnv" | "ingress" | "provider" | "kubeconfig"> & {
  secretEnvNames?: string[];
  ingress?: Omit<NonNullable<KubernetesAppArgs["ingress"]>, "tls"> & { tls?: boolean };
};

const cfg = new pulumi.Config();
const { secretEnvNames = [], ingress, ...plain } = cfg.requireObject<Plain>("app");
const app = new KubernetesApp("web", {
  ...plain,
  secretEnv: Object.fromEntries(secretEnvNames.map((k) => [k, cfg.requireSecret(`secret.${k}`)])),
  ...(ingress
    ? { ingress: { ...ingress, tls: ingress.tls ? { certificatePem: cfg.require("tlsCert"), privateKeyPem: cfg.requireSecret("tlsKey") } : undefined } }
    : {}),
});

export const namespace = app.namespace;
export const deployment = app.deployment.metadata.name;
export const service = app.service?.metadata.name;
export const ingressName = app.ingress?.metadata.name;
export const configMap = app.configMap?.metadata.name;
export const secret = app.secret?.metadata.name;
export const tlsSecret = app.tlsSecret?.metadata.name;
export const clusterAddress = app.clusterAddress;
export const url = app.url;
