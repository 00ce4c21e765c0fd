// One containerized app on a Kubernetes cluster through @pulumi/kubernetes: its Namespace, a
// Deployment (image, replicas, env, requests/limits, ports, probes), a Service, an optional
// Ingress with TLS (a kubernetes.io/tls Secret made from a certificate/key pair, or an existing
// Secret), a ConfigMap mounted as files and a Secret whose values reach the container as env vars.
//
// Await: by default bosun does not wait for rollout. Every object carries
// `pulumi.com/skipAwait: "true"`, so `up` returns once the API server has stored the objects
// instead of waiting for pods, endpoints or load-balancer addresses. That is what an API server
// without nodes needs (bosun's tests run one: objects are stored, not run), and on a real cluster
// `awaitRollout: true` turns the provider's readiness checks back on.
// Drift: bosun owns these objects, so `pulumi.com/patchForce: "true"` lets `up` take back a field
// that someone changed by hand (server-side apply would otherwise stop at the conflict).
//
// Longer than the usual 300 lines: the args interface documents every property (JSDoc with
// @default and @example, as the component template asks) and the checks that refuse bad input
// before anything is applied live next to it.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { isDomain, isPortOrRange } from "../providers/kit/net.ts";

/** Patches a child's args before it is created: an object is merged over them, a function edits them in place. */
export type Transform<T> = Partial<T> | ((args: T, opts: pulumi.CustomResourceOptions, name: string) => void);

export interface KubernetesAppPort {
  /** Port the container listens on. @example 8080 */
  containerPort: number;
  /** Port the Service exposes. @default containerPort @example 80 */
  servicePort?: number;
  /** @default "TCP" @example "UDP" */
  protocol?: "TCP" | "UDP";
  /** Port name (IANA service name: at most 15 characters, lowercase letters, digits, "-"). @default `${protocol}-${containerPort}` lowercased @example "http" */
  name?: string;
}

export interface KubernetesAppProbe {
  /** An HTTP GET that must answer 2xx/3xx. @default undefined @example { path: "/healthz", port: 8080 } */
  httpGet?: { path: string; port: number };
  /** A TCP port that must accept connections. @default undefined @example 5432 */
  tcpPort?: number;
  /** A command that must exit 0. @default undefined @example ["pg_isready"] */
  command?: string[];
  /** @default 0 @example 10 */
  initialDelaySeconds?: number;
  /** @default 10 @example 5 */
  periodSeconds?: number;
  /** @default 3 @example 5 */
  failureThreshold?: number;
}

/** Kubernetes quantities: cpu in cores ("500m", "2"), memory in bytes ("128Mi", "1Gi"). */
export interface KubernetesAppResources {
  /** What the scheduler reserves. @default {} @example { cpu: "250m", memory: "128Mi" } */
  requests?: { cpu?: string; memory?: string };
  /** Hard caps; each must be at least its request. @default {} @example { cpu: "1", memory: "256Mi" } */
  limits?: { cpu?: string; memory?: string };
}

export type KubernetesAppTls =
  | { /** An existing kubernetes.io/tls Secret in the namespace. @example "grafana-tls" */ secretName: string }
  | {
      /** PEM certificate chain (leaf first). @example cert.certPem */
      certificatePem: pulumi.Input<string>;
      /** PEM private key; pass a Pulumi secret. @example pulumi.secret(key.privateKeyPem) */
      privateKeyPem: pulumi.Input<string>;
    };

export interface KubernetesAppIngress {
  /** Host name routed to the app. @example "grafana.home.arpa" */
  host: string;
  /** Path prefix. @default "/" @example "/grafana" */
  path?: string;
  /** Service port the Ingress targets. @default the first port's servicePort @example 80 */
  port?: number;
  /** IngressClass. @default the cluster's default class @example "traefik" */
  className?: string;
  /** TLS for the host. @default undefined (plain HTTP) @example { certificatePem: cert, privateKeyPem: key } */
  tls?: KubernetesAppTls;
}

export interface KubernetesAppArgs {
  /** Contents of the kubeconfig to deploy with. @default stack config `kubernetes:kubeconfig` (unless `provider` is given) @example readFileSync("kubeconfig", "utf8") */
  kubeconfig?: pulumi.Input<string>;
  /** A Kubernetes provider to share between apps; wins over `kubeconfig`. @default a provider of this app's own */
  provider?: k8s.Provider;
  /** Namespace (DNS-1123 label). @example "monitoring" */
  namespace: string;
  /** Create the namespace, or use one that exists. @default true @example false */
  createNamespace?: boolean;
  /** Name of the Deployment, Service and Ingress (DNS-1035 label). @default the component's name @example "grafana" */
  appName?: string;
  /** Container image. @example "grafana/grafana:11.2.0" */
  image: pulumi.Input<string>;
  /** @default 1 @example 3 */
  replicas?: number;
  /** Plain environment variables. @default {} @example { GF_LOG_LEVEL: "info" } */
  env?: Record<string, pulumi.Input<string>>;
  /** Secret environment variables, kept in a Secret and referenced from the pod; values are made Pulumi secrets. @default {} @example { GF_SECURITY_ADMIN_PASSWORD: cfg.requireSecret("adminPassword") } */
  secretEnv?: Record<string, pulumi.Input<string>>;
  /** Files in a ConfigMap, mounted read-only at `configPath`. @default {} @example { "grafana.ini": "[server]\nhttp_port = 3000\n" } */
  config?: Record<string, pulumi.Input<string>>;
  /** Where `config` is mounted. @default "/config" @example "/etc/grafana" */
  configPath?: string;
  /** Ports the container listens on; the Service exposes them. @default [] (no Service) @example [{ containerPort: 3000, servicePort: 80, name: "http" }] */
  ports?: KubernetesAppPort[];
  /** CPU and memory requests and limits. @default {} @example { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } } */
  resources?: KubernetesAppResources;
  /** Readiness probe. @default undefined @example { httpGet: { path: "/api/health", port: 3000 } } */
  readinessProbe?: KubernetesAppProbe;
  /** Liveness probe. @default undefined @example { tcpPort: 3000, initialDelaySeconds: 30 } */
  livenessProbe?: KubernetesAppProbe;
  /** @default "ClusterIP" @example "LoadBalancer" */
  serviceType?: "ClusterIP" | "NodePort" | "LoadBalancer";
  /** Route a host name to the Service. @default undefined @example { host: "grafana.home.arpa", tls: { secretName: "grafana-tls" } } */
  ingress?: KubernetesAppIngress;
  /** Wait for pods, endpoints and load balancers to be ready (the provider's await logic). @default false @example true */
  awaitRollout?: boolean;
  /** Patch the underlying resources' args. @default undefined @example { deployment: (args) => { args.metadata = { ...args.metadata, labels: { team: "a" } }; } } */
  transform?: {
    /** @default undefined @example { metadata: { labels: { team: "a" } } } */
    namespace?: Transform<k8s.core.v1.NamespaceArgs>;
    /** @default undefined @example (args) => { args.spec = ... } */
    deployment?: Transform<k8s.apps.v1.DeploymentArgs>;
    /** @default undefined @example { metadata: { annotations: { "metallb.universe.tf/loadBalancerIPs": "10.0.0.5" } } } */
    service?: Transform<k8s.core.v1.ServiceArgs>;
    /** @default undefined @example { metadata: { annotations: { "traefik.ingress.kubernetes.io/router.middlewares": "auth" } } } */
    ingress?: Transform<k8s.networking.v1.IngressArgs>;
    /** @default undefined @example { immutable: true } */
    configMap?: Transform<k8s.core.v1.ConfigMapArgs>;
    /** @default undefined @example { immutable: true } */
    secret?: Transform<k8s.core.v1.SecretArgs>;
    /** @default undefined @example { metadata: { labels: { "cert-source": "bosun" } } } */
    tlsSecret?: Transform<k8s.core.v1.SecretArgs>;
  };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const SCALE: Record<string, number> = { "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
for (const [i, s] of ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].entries()) SCALE[s] = 1024 ** (i + 1);

/** A Kubernetes quantity as a number ("500m" → 0.5, "1Gi" → 1073741824); undefined when it is not one. */
export function parseQuantity(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  const suffix = m[2] ?? "";
  const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : SCALE[suffix];
  return scale === undefined ? undefined : Number(m[1]) * scale;
}

const isPort = (p: unknown): p is number => Number.isInteger(p) && isPortOrRange(String(p));

function checkProbe(field: string, probe: KubernetesAppProbe | undefined, problems: string[]): void {
  if (!probe) return;
  const kinds = [probe.httpGet, probe.tcpPort, probe.command].filter((k) => k !== undefined).length;
  if (kinds !== 1) problems.push(`${field}: give exactly one of httpGet, tcpPort or command (got ${kinds})`);
  if (probe.httpGet && !probe.httpGet.path.startsWith("/")) problems.push(`${field}.httpGet.path: "${probe.httpGet.path}" must start with "/"`);
  if (probe.httpGet && !isPort(probe.httpGet.port)) problems.push(`${field}.httpGet.port: ${probe.httpGet.port} is not a port (1-65535)`);
  if (probe.tcpPort !== undefined && !isPort(probe.tcpPort)) problems.push(`${field}.tcpPort: ${probe.tcpPort} is not a port (1-65535)`);
  if (probe.command?.length === 0) problems.push(`${field}.command: must not be empty`);
  for (const key of ["initialDelaySeconds", "periodSeconds", "failureThreshold"] as const) {
    const v = probe[key];
    if (v !== undefined && (!Number.isInteger(v) || v < (key === "initialDelaySeconds" ? 0 : 1)))
      problems.push(`${field}.${key}: ${v} must be a whole number ≥ ${key === "initialDelaySeconds" ? 0 : 1}`);
  }
}

/** Every problem with the args, each naming its field and the rule; empty when they are fine. */
export function validateKubernetesAppArgs(name: string, args: KubernetesAppArgs): string[] {
  const problems: string[] = [];
  const appName = args.appName ?? name;
  if (!DNS1035_LABEL.test(appName) || appName.length > 63) {
    problems.push(`appName: "${appName}" must be a DNS-1035 label (lowercase letters, digits and "-", starting with a letter, at most 63 characters)`);
  }
  if (!DNS1123_LABEL.test(args.namespace) || args.namespace.length > 63) {
    problems.push(`namespace: "${args.namespace}" must be a DNS-1123 label (lowercase letters, digits and "-", at most 63 characters)`);
  }
  if (typeof args.image === "string" && !/^\S+$/.test(args.image)) problems.push(`image: "${args.image}" must be a non-empty image reference without spaces`);
  const replicas = args.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 0) problems.push(`replicas: ${replicas} must be a whole number ≥ 0`);
  for (const key of [...Object.keys(args.env ?? {}), ...Object.keys(args.secretEnv ?? {})]) {
    if (!ENV_NAME.test(key)) problems.push(`env: "${key}" is not a valid variable name (letters, digits, "_", "-", ".", not starting with a digit)`);
  }
  for (const key of Object.keys(args.secretEnv ?? {})) if (key in (args.env ?? {})) problems.push(`secretEnv.${key}: also set in env; give each variable once`);
  for (const key of Object.keys(args.config ?? {}))
    if (!DATA_KEY.test(key)) problems.push(`config: "${key}" is not a valid file name (letters, digits, "-", "_", ".")`);
  if (args.configPath !== undefined && !args.configPath.startsWith("/")) problems.push(`configPath: "${args.configPath}" must be an absolute path`);
  const ports = args.ports ?? [];
  const seen = new Set<string>();
  for (const [i, p] of ports.entries()) {
    if (!isPort(p.containerPort)) problems.push(`ports[${i}].containerPort: ${p.containerPort} is not a port (1-65535)`);
    if (p.servicePort !== undefined && !isPort(p.servicePort)) problems.push(`ports[${i}].servicePort: ${p.servicePort} is not a port (1-65535)`);
    if (p.name !== undefined && (!PORT_NAME.test(p.name) || p.name.length > 15)) {
      problems.push(`ports[${i}].name: "${p.name}" must be an IANA service name (lowercase letters, digits, "-", at most 15 characters, with a letter)`);
    }
    const key = `${p.servicePort ?? p.containerPort}/${p.protocol ?? "TCP"}`;
    if (seen.has(key)) problems.push(`ports[${i}]: service port ${key} is given twice`);
    seen.add(key);
  }
  for (const kind of ["requests", "limits"] as const) {
    for (const res of ["cpu", "memory"] as const) {
      const q = args.resources?.[kind]?.[res];
      if (q !== undefined && parseQuantity(q) === undefined)
        problems.push(`resources.${kind}.${res}: "${q}" is not a Kubernetes quantity (e.g. "500m", "2", "128Mi", "1Gi")`);
    }
  }
  for (const res of ["cpu", "memory"] as const) {
    const req = args.resources?.requests?.[res];
    const lim = args.resources?.limits?.[res];
    const r = req === undefined ? undefined : parseQuantity(req);
    const l = lim === undefined ? undefined : parseQuantity(lim);
    if (r !== undefined && l !== undefined && l < r)
      problems.push(`resources.limits.${res}: ${lim} is below the request ${req}; a limit must be at least its request`);
  }
  checkProbe("readinessProbe", args.readinessProbe, problems);
  checkProbe("livenessProbe", args.livenessProbe, problems);
  const ing = args.ingress;
  if (ing) {
    if (!isDomain(ing.host) || !ing.host.includes(".")) problems.push(`ingress.host: "${ing.host}" must be a fully qualified host name`);
    if (ing.path !== undefined && !ing.path.startsWith("/")) problems.push(`ingress.path: "${ing.path}" must start with "/"`);
    if (ports.length === 0) problems.push("ingress: needs a Service, so give at least one entry in ports");
    else if (ing.port !== undefined && !ports.some((p) => (p.servicePort ?? p.containerPort) === ing.port)) {
      problems.push(`ingress.port: ${ing.port} is not one of the Service's ports (${ports.map((p) => p.servicePort ?? p.containerPort).join(", ")})`);
    }
    if (ing.tls && "secretName" in ing.tls && !DNS1123_SUBDOMAIN.test(ing.tls.secretName))
      problems.push(`ingress.tls.secretName: "${ing.tls.secretName}" is not a valid Secret name`);
  }
  return problems;
}

function transformed<T extends object>(
  t: Transform<T> | undefined,
  name: string,
  args: T,
  opts: pulumi.CustomResourceOptions,
): [string, T, pulumi.CustomResourceOptions] {
  if (typeof t === "function") {
    t(args, opts, name);
    return [name, args, opts];
  }
  return [name, { ...args, ...t }, opts];
}

const base64 = (v: pulumi.Input<string>): pulumi.Output<string> => pulumi.output(v).apply((s) => Buffer.from(s, "utf8").toString("base64"));

function probeSpec(p: KubernetesAppProbe | undefined): k8s.types.input.core.v1.Probe | undefined {
  if (!p) return undefined;
  return {
    ...(p.httpGet ? { httpGet: { path: p.httpGet.path, port: p.httpGet.port } } : {}),
    ...(p.tcpPort !== undefined ? { tcpSocket: { port: p.tcpPort } } : {}),
    ...(p.command ? { exec: { command: p.command } } : {}),
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    failureThreshold: p.failureThreshold,
  };
}

export class KubernetesApp extends pulumi.ComponentResource {
  readonly namespaceResource?: k8s.core.v1.Namespace;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service?: k8s.core.v1.Service;
  readonly ingress?: k8s.networking.v1.Ingress;
  readonly configMap?: k8s.core.v1.ConfigMap;
  readonly secret?: k8s.core.v1.Secret;
  readonly tlsSecret?: k8s.core.v1.Secret;
  /** The namespace the app runs in. */
  readonly namespace: pulumi.Output<string>;
  /** In-cluster address of the Service, e.g. grafana.monitoring.svc.cluster.local (undefined without ports). */
  readonly clusterAddress?: pulumi.Output<string>;
  /** https://host/path (http without TLS) when there is an Ingress. */
  readonly url?: pulumi.Output<string>;

  constructor(name: string, args: KubernetesAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("bosun:index:KubernetesApp", name, {}, opts);
    const problems = validateKubernetesAppArgs(name, args);
    if (problems.length > 0) throw new pulumi.RunError(`KubernetesApp "${name}": invalid arguments:\n  - ${problems.join("\n  - ")}`);
    const appName = args.appName ?? name;
    const provider = args.provider ?? this.makeProvider(name, args);
    const self = { parent: this, provider };
    const t = args.transform ?? {};
    const annotations: Record<string, string> = { "pulumi.com/patchForce": "true", ...(args.awaitRollout ? {} : { "pulumi.com/skipAwait": "true" }) };
    const labels = { "app.kubernetes.io/name": appName, "app.kubernetes.io/managed-by": "bosun" };

    if (args.createNamespace ?? true) {
      this.namespaceResource = new k8s.core.v1.Namespace(
        ...transformed(
          t.namespace,
          `${name}-namespace`,
          { metadata: { name: args.namespace, labels: { "app.kubernetes.io/managed-by": "bosun" }, annotations } },
          self,
        ),
      );
    }
    this.namespace = this.namespaceResource ? this.namespaceResource.metadata.name : pulumi.output(args.namespace);
    const meta = { namespace: this.namespace, labels, annotations };

    if (Object.keys(args.config ?? {}).length > 0) {
      // Auto-named: a change of contents makes a new ConfigMap, so the Deployment rolls out.
      this.configMap = new k8s.core.v1.ConfigMap(...transformed(t.configMap, `${name}-config`, { metadata: meta, data: args.config }, self));
    }
    const secretEnv = Object.entries(args.secretEnv ?? {});
    if (secretEnv.length > 0) {
      const data = Object.fromEntries(secretEnv.map(([k, v]) => [k, pulumi.secret(base64(v))]));
      this.secret = new k8s.core.v1.Secret(...transformed(t.secret, `${name}-secret`, { metadata: meta, type: "Opaque", data }, self));
    }
    const ports = args.ports ?? [];
    const portName = (p: KubernetesAppPort) => p.name ?? `${(p.protocol ?? "TCP").toLowerCase()}-${p.containerPort}`;
    const secretName = this.secret?.metadata.name;
    const configName = this.configMap?.metadata.name;
    const container: k8s.types.input.core.v1.Container = {
      name: appName,
      image: args.image,
      env: [
        ...Object.entries(args.env ?? {}).map(([k, value]) => ({ name: k, value })),
        ...secretEnv.map(([k]) => ({ name: k, valueFrom: { secretKeyRef: { name: secretName as pulumi.Output<string>, key: k } } })),
      ],
      ports: ports.map((p) => ({ name: portName(p), containerPort: p.containerPort, protocol: p.protocol ?? "TCP" })),
      resources: { requests: args.resources?.requests ?? {}, limits: args.resources?.limits ?? {} },
      readinessProbe: probeSpec(args.readinessProbe),
      livenessProbe: probeSpec(args.livenessProbe),
      volumeMounts: configName ? [{ name: "config", mountPath: args.configPath ?? "/config", readOnly: true }] : [],
    };
    this.deployment = new k8s.apps.v1.Deployment(
      ...transformed(
        t.deployment,
        `${name}-deployment`,
        {
          metadata: { ...meta, name: appName },
          spec: {
            replicas: args.replicas ?? 1,
            selector: { matchLabels: { "app.kubernetes.io/name": appName } },
            template: {
              metadata: { labels },
              spec: { containers: [container], volumes: configName ? [{ name: "config", configMap: { name: configName } }] : [] },
            },
          },
        },
        { ...self, deleteBeforeReplace: true },
      ),
    );

    if (ports.length > 0) {
      this.service = new k8s.core.v1.Service(
        ...transformed(
          t.service,
          `${name}-service`,
          {
            metadata: { ...meta, name: appName },
            spec: {
              type: args.serviceType ?? "ClusterIP",
              selector: { "app.kubernetes.io/name": appName },
              ports: ports.map((p) => ({
                name: portName(p),
                port: p.servicePort ?? p.containerPort,
                targetPort: p.containerPort,
                protocol: p.protocol ?? "TCP",
              })),
            },
          },
          { ...self, deleteBeforeReplace: true },
        ),
      );
      this.clusterAddress = pulumi.interpolate`${this.service.metadata.name}.${this.namespace}.svc.cluster.local`;
    }

    const ing = args.ingress;
    if (ing && this.service) {
      const tls = ing.tls;
      if (tls && "certificatePem" in tls) {
        this.tlsSecret = new k8s.core.v1.Secret(
          ...transformed(
            t.tlsSecret,
            `${name}-tls`,
            { metadata: meta, type: "kubernetes.io/tls", data: { "tls.crt": base64(tls.certificatePem), "tls.key": pulumi.secret(base64(tls.privateKeyPem)) } },
            self,
          ),
        );
      }
      const tlsSecretName = tls ? ("secretName" in tls ? pulumi.output(tls.secretName) : this.tlsSecret?.metadata.name) : undefined;
      const first = ports[0] as KubernetesAppPort;
      const path = ing.path ?? "/";
      this.ingress = new k8s.networking.v1.Ingress(
        ...transformed(
          t.ingress,
          `${name}-ingress`,
          {
            metadata: { ...meta, name: appName },
            spec: {
              ingressClassName: ing.className,
              rules: [
                {
                  host: ing.host,
                  http: {
                    paths: [
                      {
                        path,
                        pathType: "Prefix",
                        backend: { service: { name: this.service.metadata.name, port: { number: ing.port ?? first.servicePort ?? first.containerPort } } },
                      },
                    ],
                  },
                },
              ],
              tls: tlsSecretName ? [{ hosts: [ing.host], secretName: tlsSecretName }] : [],
            },
          },
          { ...self, deleteBeforeReplace: true },
        ),
      );
      this.url = pulumi.output(`${tls ? "https" : "http"}://${ing.host}${path}`);
    }

    this.registerOutputs({ namespace: this.namespace, deploymentName: this.deployment.metadata.name, clusterAddress: this.clusterAddress, url: this.url });
  }

  /** A provider of this app's own, from args.kubeconfig or stack config `kubernetes:kubeconfig`. */
  private makeProvider(name: string, args: KubernetesAppArgs): k8s.Provider {
    const kubeconfig = args.kubeconfig ?? new pulumi.Config("kubernetes").getSecret("kubeconfig");
    if (kubeconfig === undefined) {
      throw new pulumi.RunError(
        `KubernetesApp "${name}": kubeconfig: none given; pass args.kubeconfig or args.provider, or set stack config kubernetes:kubeconfig`,
      );
    }
    return new k8s.Provider(`${name}-provider`, { kubeconfig: pulumi.secret(kubeconfig), enableServerSideApply: true }, { parent: this });
  }
}
