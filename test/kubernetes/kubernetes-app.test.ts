// KubernetesApp through the real Pulumi engine (the CLI from scripts/setup.sh, bosun's language
// host) and the real @pulumi/kubernetes provider plugin (scripts/toolchain/build-kubernetes.sh)
// against a real kube-apiserver on etcd (scripts/services/kube.sh): create → update → drift →
// bad input → delete, each checked by reading the objects back from the API server as its admin.
//
// There is no kubelet, scheduler or controller-manager (like envtest): the API server validates,
// defaults and stores the objects, but Deployments never get pods. So the component's default
// skip-await is what lets `up` finish, the test asserts that no replica ever became ready, and a
// deleted Namespace stays Terminating (there is no namespace controller to empty it).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { generate } from "selfsigned";
import { checkpointPaths } from "../support/test-stack.ts";
import { removeCheckpointBackups } from "../support/test-stack.ts";
import { parseQuantity, validateKubernetesAppArgs } from "../../components/kubernetes-app.ts";

const workDir = fileURLToPath(new URL("./program", import.meta.url));
const root = fileURLToPath(new URL("../..", import.meta.url));
const PROJECT = "bosun-kubernetes-engine-test"; // program/Pulumi.yaml
const suffix = randomBytes(3).toString("hex");
const stackName = `test-kube-${suffix}`;
const NS = `bosun-test-${suffix}`;
const DB_PASSWORD = `db-pass-${randomBytes(8).toString("hex")}`;

/** kubeconfig of the API server that scripts/services/kube.sh started (it writes kube.env beside it). */
function kubeconfigPath(): string | undefined {
  if (process.env["BOSUN_KUBECONFIG"]) return process.env["BOSUN_KUBECONFIG"];
  const state = process.env["BOSUN_STATE"] ?? `${root}.state`;
  return existsSync(`${state}/kube.env`) ? `${state}/kube/kubeconfig` : undefined;
}
const kubeconfigFile = kubeconfigPath();

type Obj = {
  metadata: { name: string; resourceVersion: string; generation?: number; deletionTimestamp?: string; annotations?: Record<string, string> };
} & Record<
  string,
  // biome-ignore lint/suspicious/noExplicitAny: objects read back from the API server are checked field by field
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same reason
  any
>;

let api: (method: string, path: string, body?: unknown, contentType?: string) => Promise<{ status: number; body: Obj }>;
let stack: Stack;
let kubeconfig = "";
let token = "";
let tlsKeyPem = "";

const appConfig = (over: Record<string, unknown> = {}) => ({
  namespace: NS,
  appName: "web",
  image: "registry.local/web:1.0",
  replicas: 2,
  env: { LOG_LEVEL: "info", GREETING: "hello" },
  secretEnvNames: ["DB_PASSWORD"],
  config: { "app.ini": "[server]\nport = 8080\n" },
  configPath: "/etc/web",
  ports: [{ containerPort: 8080, servicePort: 80, name: "http" }],
  resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
  readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 5 },
  livenessProbe: { tcpPort: 8080, initialDelaySeconds: 10 },
  ingress: { host: "web.home.arpa", tls: true },
  ...over,
});

async function setApp(app: Record<string, unknown>): Promise<void> {
  await stack.setConfig("app", { value: JSON.stringify(app) });
}
async function get(path: string): Promise<Obj> {
  const res = await api("GET", path);
  expect(res.status, `GET ${path}`).toBe(200);
  return res.body;
}
const apps = (name = "web") => `/apis/apps/v1/namespaces/${NS}/deployments/${name}`;
const core = (kind: string, name: string) => `/api/v1/namespaces/${NS}/${kind}/${name}`;
async function outputs(): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value as string]));
}
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  expect(err, "the operation should have failed").not.toBeNull();
  return String((err as Error).message);
}
const checkpoint = () => readFileSync(checkpointPaths(process.env["PULUMI_BACKEND_URL"], PROJECT, stackName)[0] ?? "", "utf8");

describe.skipIf(!kubeconfigFile)("KubernetesApp through the engine and the real provider plugin, against kube-apiserver", () => {
  beforeAll(async () => {
    const pkg = JSON.parse(readFileSync(`${root}node_modules/@pulumi/kubernetes/package.json`, "utf8")) as { pulumi: { version: string } };
    const plugin = `${process.env["PULUMI_HOME"]}/plugins/resource-kubernetes-v${pkg.pulumi.version}/pulumi-resource-kubernetes`;
    if (!existsSync(plugin)) throw new Error(`${plugin} is missing; run bash scripts/toolchain/build-kubernetes.sh`);

    kubeconfig = readFileSync(kubeconfigFile as string, "utf8");
    const kc = parse(kubeconfig) as { clusters: { cluster: { server: string; "certificate-authority-data": string } }[]; users: { user: { token: string } }[] };
    const server = kc.clusters[0]?.cluster.server as string;
    const ca = Buffer.from(kc.clusters[0]?.cluster["certificate-authority-data"] as string, "base64");
    token = kc.users[0]?.user.token as string;
    api = (method, path, body, contentType = "application/json") =>
      new Promise((resolve, reject) => {
        const req = request(`${server}${path}`, { method, ca, headers: { Authorization: `Bearer ${token}`, "Content-Type": contentType } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            // /readyz answers plain text; everything else JSON.
            resolve({ status: res.statusCode ?? 0, body: text.startsWith("{") ? JSON.parse(text) : { text } });
          });
        });
        req.on("error", reject);
        if (body !== undefined) req.write(JSON.stringify(body));
        req.end();
      });
    const ready = await api("GET", "/readyz").catch((e: Error) => {
      throw new Error(`kube-apiserver at ${server} does not answer (${e.message}); run bash scripts/services/kube.sh start`);
    });
    expect(ready.status).toBe(200);

    const ca2 = await generate([{ name: "commonName", value: "web.home.arpa" }], { keyType: "ec", curve: "P-256", algorithm: "sha256" });
    tlsKeyPem = ca2.private;
    const pulumiCommand = await PulumiCommand.get({ root: `${root}.tools/pulumi`, skipVersionCheck: true });
    stack = await LocalWorkspace.createStack({ stackName, workDir }, { pulumiCommand });
    await stack.setAllConfig({
      "kubernetes:kubeconfig": { value: kubeconfig, secret: true },
      "secret.DB_PASSWORD": { value: DB_PASSWORD, secret: true },
      tlsCert: { value: ca2.cert },
      tlsKey: { value: tlsKeyPem, secret: true },
    });
  });

  afterAll(async () => {
    await stack?.destroy().catch(() => undefined);
    await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    rmSync(`${workDir}/Pulumi.${stackName}.yaml`, { force: true });
    removeCheckpointBackups(PROJECT, stackName);
    // The namespace controller would empty and remove a deleted namespace; there is none.
    await api?.("PUT", `/api/v1/namespaces/${NS}/finalize`, { metadata: { name: NS }, spec: { finalizers: [] } }).catch(() => undefined);
  });

  test("create: namespace, deployment with limits and probes, service, ingress with TLS, configmap, secret", async () => {
    await setApp(appConfig());
    const up = await stack.up();
    // stack, component, provider, namespace, configmap, secret, deployment, service, tls secret, ingress
    expect(up.summary.resourceChanges?.create).toBe(10);
    expect(`${up.stdout}\n${up.stderr}`).not.toMatch(/\$PATH|downloading|installing plugin/i);
    const out = await outputs();

    expect((await get(`/api/v1/namespaces/${NS}`)).status.phase).toBe("Active");
    const dep = await get(apps());
    expect(dep.metadata.annotations).toMatchObject({ "pulumi.com/skipAwait": "true" });
    expect(dep.spec.replicas).toBe(2);
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe("registry.local/web:1.0");
    expect(c.resources).toEqual({ requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } });
    expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 5 });
    expect(c.livenessProbe).toMatchObject({ tcpSocket: { port: 8080 }, initialDelaySeconds: 10 });
    expect(c.env).toEqual([
      { name: "LOG_LEVEL", value: "info" },
      { name: "GREETING", value: "hello" },
      { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: out["secret"], key: "DB_PASSWORD" } } },
    ]);
    expect(c.volumeMounts).toEqual([{ name: "config", mountPath: "/etc/web", readOnly: true }]);
    expect(dep.spec.template.spec.volumes[0].configMap.name).toBe(out["configMap"]);
    // Stored, not run: no kubelet, so nothing ever becomes ready.
    expect(dep.status?.readyReplicas).toBeUndefined();

    const svc = await get(core("services", "web"));
    expect(svc.spec).toMatchObject({ type: "ClusterIP", selector: { "app.kubernetes.io/name": "web" } });
    expect(svc.spec.ports).toEqual([{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }]);
    expect(svc.spec.clusterIP).toMatch(/^10\.96\./);

    const ing = await get(`/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/web`);
    expect(ing.spec.rules).toEqual([
      { host: "web.home.arpa", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } },
    ]);
    expect(ing.spec.tls).toEqual([{ hosts: ["web.home.arpa"], secretName: out["tlsSecret"] }]);
    const tls = await get(core("secrets", out["tlsSecret"] as string));
    expect(tls.type).toBe("kubernetes.io/tls");
    expect(Buffer.from(tls.data["tls.key"], "base64").toString()).toBe(tlsKeyPem);

    expect((await get(core("configmaps", out["configMap"] as string))).data).toEqual({ "app.ini": "[server]\nport = 8080\n" });
    const secret = await get(core("secrets", out["secret"] as string));
    expect(secret.type).toBe("Opaque");
    expect(Buffer.from(secret.data.DB_PASSWORD, "base64").toString()).toBe(DB_PASSWORD);
    expect(out["clusterAddress"]).toBe(`web.${NS}.svc.cluster.local`);
    expect(out["url"]).toBe("https://web.home.arpa/");

    // Secret values, the TLS key and the admin token are encrypted in the state, in clear or base64.
    const state = checkpoint();
    expect(state).toContain("registry.local/web:1.0");
    const keyBody = tlsKeyPem.split("\n")[1] as string;
    for (const clear of [DB_PASSWORD, Buffer.from(DB_PASSWORD).toString("base64"), keyBody, Buffer.from(tlsKeyPem).toString("base64").slice(0, 40), token]) {
      expect(state).not.toContain(clear);
    }
    expect((await stack.preview()).changeSummary).toEqual({ same: 10 });
  });

  test("update: replicas, image and env change in place; a new secret value rolls out a new Secret", async () => {
    const before = await get(apps());
    const oldSecret = (await outputs())["secret"] as string;
    await stack.setConfig("secret.DB_PASSWORD", { value: `${DB_PASSWORD}-2`, secret: true });
    await setApp(appConfig({ replicas: 3, image: "registry.local/web:1.1", env: { LOG_LEVEL: "debug", GREETING: "hello" } }));
    const up = await stack.up();
    expect(up.summary.resourceChanges).toMatchObject({ update: 1, replace: 1, same: 8 });
    const dep = await get(apps());
    expect(dep.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
    expect(dep.spec.replicas).toBe(3);
    const c = dep.spec.template.spec.containers[0];
    expect(c.image).toBe("registry.local/web:1.1");
    const newSecret = (await outputs())["secret"] as string;
    expect(newSecret).not.toBe(oldSecret);
    expect(c.env).toContainEqual({ name: "LOG_LEVEL", value: "debug" });
    expect(c.env).toContainEqual({ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: newSecret, key: "DB_PASSWORD" } } });
    expect(Buffer.from((await get(core("secrets", newSecret))).data.DB_PASSWORD, "base64").toString()).toBe(`${DB_PASSWORD}-2`);
    expect((await api("GET", core("secrets", oldSecret))).status).toBe(404);
    expect(checkpoint()).not.toContain(`${DB_PASSWORD}-2`);
  });

  test("drift: a hand edit through the API shows in refresh, and up puts the declared state back", async () => {
    const patch = await api("PATCH", `${apps()}?fieldManager=someone-else`, { spec: { replicas: 7 } }, "application/merge-patch+json");
    expect(patch.status).toBe(200);
    expect((await get(apps())).spec.replicas).toBe(7);

    const refresh = await stack.refresh();
    expect(refresh.summary.resourceChanges?.update).toBe(1);
    const preview = await stack.preview({ diff: true });
    expect(preview.changeSummary.update).toBe(1);
    expect(preview.stdout).toMatch(/replicas\s*:\s*7\s*=>\s*3/);

    const up = await stack.up();
    expect(up.summary.resourceChanges?.update).toBe(1);
    expect((await get(apps())).spec.replicas).toBe(3);
    expect((await stack.preview()).changeSummary).toEqual({ same: 10 });
  });

  test("bad input is refused before apply, naming the field; nothing on the API server changes", async () => {
    const before = (await get(apps())).metadata.resourceVersion;
    await setApp(appConfig({ appName: "Web_App" }));
    expect(await failure(stack.up())).toContain('appName: "Web_App" must be a DNS-1035 label');
    await setApp(appConfig({ replicas: 5, resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "50m", memory: "128Mi" } } }));
    const message = await failure(stack.up());
    expect(message).toContain("resources.limits.memory: 128Mi is below the request 256Mi");
    expect(message).toContain("resources.limits.cpu: 50m is below the request 100m");
    const dep = await get(apps());
    expect(dep.metadata.resourceVersion).toBe(before);
    expect(dep.spec.replicas).toBe(3);
    expect((await api("GET", core("services", "Web_App"))).status).toBe(404);

    // The same rules without the engine.
    expect(validateKubernetesAppArgs("x", { namespace: "ok", image: "i", ingress: { host: "a.b" } })).toEqual([
      "ingress: needs a Service, so give at least one entry in ports",
    ]);
    expect(validateKubernetesAppArgs("x", { namespace: "Bad_NS", image: "i", ports: [{ containerPort: 70000 }] })).toEqual([
      'namespace: "Bad_NS" must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)',
      "ports[0].containerPort: 70000 is not a port (1-65535)",
    ]);
    expect([parseQuantity("500m"), parseQuantity("1Gi"), parseQuantity("2"), parseQuantity("1e3"), parseQuantity("12Q")]).toEqual([
      0.5,
      1024 ** 3,
      2,
      1000,
      undefined,
    ]);
    await setApp(appConfig());
  });

  test("delete: destroy removes every object; the namespace is left to a namespace controller", async () => {
    const out = await outputs();
    const destroy = await stack.destroy();
    expect(destroy.summary.resourceChanges?.delete).toBe(10);
    for (const path of [
      apps(),
      core("services", "web"),
      `/apis/networking.k8s.io/v1/namespaces/${NS}/ingresses/web`,
      core("configmaps", out["configMap"] as string),
      core("secrets", out["secret"] as string),
      core("secrets", out["tlsSecret"] as string),
    ]) {
      expect((await api("GET", path)).status, path).toBe(404);
    }
    const ns = await api("GET", `/api/v1/namespaces/${NS}`);
    // Deleted, but Terminating until the namespace controller (absent here) empties it.
    expect(ns.status === 404 || (ns.body.metadata.deletionTimestamp !== undefined && ns.body.status.phase === "Terminating")).toBe(true);
  });
});
