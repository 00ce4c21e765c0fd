// Kubernetes apps from the spec, through bosun's own program (stacks/index.ts),
// the real Pulumi engine and the real @pulumi/kubernetes provider plugin,
// against a real kube-apiserver on etcd (scripts/services/kube.sh): create →
// update → delete, read back from the API server as its admin. The kubeconfig
// is given as a path in kubernetes:kubeconfig.
//
// There is no kubelet (like envtest): the API server validates and stores the
// objects, Deployments never get pods, so the stack leaves bosun:kubernetesAwait
// off (the default) and a deleted Namespace stays Terminating.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { randomBytes } from "node:crypto";
import { startSimulator, type Simulator } from "../../providers/opnsense-dynamic/simulator/server.ts";
import { kubeApi, kubeconfigPath, type KubeApi } from "../support/kube-api.ts";
import { createTestStack, type TestStack } from "../support/test-stack.ts";

const kubeconfigFile = kubeconfigPath();
const NS = `bosun-apps-${randomBytes(3).toString("hex")}`;

const spec = (grafana: Record<string, unknown> = {}, more: Record<string, unknown> = {}) => ({
  version: 1,
  kubernetes: {
    apps: {
      grafana: {
        image: "grafana/grafana:11.3.0",
        namespace: NS,
        ports: [{ container: 3000, service: 80 }],
        env: { GF_LOG_LEVEL: "info" },
        memoryMb: 512,
        cpus: 0.5,
        ingress: { host: "grafana" },
        ...grafana,
      },
      ...more,
    },
  },
});

let sim: Simulator;
let t: TestStack;
let api: KubeApi;

async function get(path: string) {
  const res = await api("GET", path);
  expect(res.status, `GET ${path}`).toBe(200);
  return res.body;
}
const deployment = (name: string) => `/apis/apps/v1/namespaces/${NS}/deployments/${name}`;
async function setSpec(s: unknown): Promise<void> {
  await t.stack.setConfig("bosun:spec", { value: JSON.stringify(s) });
}

describe.skipIf(!kubeconfigFile)("Kubernetes apps from the spec, against kube-apiserver", () => {
  beforeAll(async () => {
    api = kubeApi(kubeconfigFile as string);
    sim = await startSimulator({ apiKey: "k8s-key", apiSecret: "k8s-secret" });
    t = await createTestStack("k8s", sim);
    await t.stack.setConfig("kubernetes:kubeconfig", { value: kubeconfigFile as string, secret: true });
  });

  afterAll(async () => {
    await t?.remove();
    await sim?.stop();
    // No namespace controller empties a deleted namespace; let it go.
    await api?.("PUT", `/api/v1/namespaces/${NS}/finalize`, { metadata: { name: NS }, spec: { finalizers: [] } }).catch(() => undefined);
  });

  test("create: one namespace for two apps, Deployments with limits, Services, an Ingress under the local domain", async () => {
    await setSpec(spec({}, { whoami: { image: "traefik/whoami:v1.10", namespace: NS, replicas: 2, ports: [{ container: 80 }] } }));
    const up = await t.stack.up();
    expect(up.summary.result).toBe("succeeded");
    const ns = await get(`/api/v1/namespaces/${NS}`);
    expect(ns.metadata.labels).toMatchObject({ "app.kubernetes.io/managed-by": "bosun" });
    const dep = await get(deployment("grafana"));
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe("grafana/grafana:11.3.0");
    expect(c.env).toEqual([{ name: "GF_LOG_LEVEL", value: "info" }]);
    expect(c.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    expect(dep.spec.replicas).toBe(1);
    expect(dep.status?.readyReplicas).toBeUndefined(); // stored, not run
    expect((await get(deployment("whoami"))).spec.replicas).toBe(2);
    const svc = await get(`/api/v1/namespaces/${NS}/services/grafana`);
    expect(svc.spec.ports).toEqual([{ name: "tcp-3000", port: 80, targetPort: 3000, protocol: "TCP" }]);
    const ing = await get(`/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/grafana`);
    expect(ing.spec.rules[0].host).toBe("grafana.home.arpa");
    const out = up.outputs.kubernetesApps?.value as Record<string, { clusterAddress: string; url: string }>;
    expect(out.grafana).toEqual({ namespace: NS, clusterAddress: `grafana.${NS}.svc.cluster.local`, url: "http://grafana.home.arpa/" });
    expect((await t.stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("update: replicas and limits change in place", async () => {
    const uid = (await get(deployment("grafana"))).metadata.uid;
    await setSpec(spec({ replicas: 3, memoryMb: 1024 }, { whoami: { image: "traefik/whoami:v1.10", namespace: NS, replicas: 2, ports: [{ container: 80 }] } }));
    const up = await t.stack.up();
    expect(up.summary.resourceChanges?.replace ?? 0).toBe(0);
    const dep = await get(deployment("grafana"));
    expect(dep.metadata.uid).toBe(uid);
    expect(dep.spec.replicas).toBe(3);
    // The API server keeps quantities in canonical form; that is no drift.
    expect(dep.spec.template.spec.containers[0].resources.limits.memory).toBe("1Gi");
    expect((await t.stack.preview()).changeSummary.update ?? 0).toBe(0);
  });

  test("bad input: a Helm chart, or apps without a kubeconfig, are refused before anything is applied", async () => {
    await setSpec(spec({ chart: "grafana/grafana", image: undefined }));
    const err = await t.stack.preview().then(
      () => "",
      (e: Error) => e.message,
    );
    expect(err).toMatch(/kubernetes\.apps\.grafana\.chart: Helm charts are not supported yet/);
    // Apps without a kubeconfig: the key to set is named.
    await setSpec(spec());
    await t.stack.removeConfig("kubernetes:kubeconfig");
    const missing = await t.stack.preview().then(
      () => "",
      (e: Error) => e.message,
    );
    expect(missing).toMatch(/the spec has Kubernetes apps \(grafana\) but this stack has no kubeconfig: set kubernetes:kubeconfig/);
    await t.stack.setConfig("kubernetes:kubeconfig", { value: kubeconfigFile as string, secret: true });
  });

  test("delete: an app removed from the spec is deleted; the last one takes its namespace with it", async () => {
    await setSpec(spec());
    await t.stack.up();
    expect((await api("GET", deployment("whoami"))).status).toBe(404);
    expect((await get(deployment("grafana"))).spec.replicas).toBe(1);
    await setSpec({ version: 1 });
    await t.stack.up();
    expect((await api("GET", deployment("grafana"))).status).toBe(404);
    const ns = await api("GET", `/api/v1/namespaces/${NS}`);
    // Terminating (no namespace controller here) or gone.
    expect(ns.status === 404 || ns.body.metadata?.deletionTimestamp !== undefined).toBe(true);
  });
});
