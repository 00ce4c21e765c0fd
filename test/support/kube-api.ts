// Test helper: the kube-apiserver that scripts/services/kube.sh runs for this
// checkout (kubeconfig path and a client that talks to it as its admin).
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { parse } from "yaml";
import { REPO_ROOT } from "./test-stack.ts";

/** The kubeconfig file of this checkout's API server, or undefined when kube.sh has not started one. */
export function kubeconfigPath(): string | undefined {
  if (process.env["BOSUN_KUBECONFIG"]) return process.env["BOSUN_KUBECONFIG"];
  const state = process.env["BOSUN_STATE"] ?? `${REPO_ROOT}.state`;
  return existsSync(`${state}/kube.env`) ? `${state}/kube/kubeconfig` : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: objects read back from the API server are checked field by field
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the same reason
export type KubeObject = Record<string, any>;
export type KubeApi = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: KubeObject }>;

/** A client for the API server in `kubeconfigFile`, authenticated with its admin token. */
export function kubeApi(kubeconfigFile: string): KubeApi {
  const kc = parse(readFileSync(kubeconfigFile, "utf8")) as {
    clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
    users: { user: { token: string } }[];
  };
  const server = kc.clusters[0]?.cluster.server as string;
  const ca = Buffer.from(kc.clusters[0]?.cluster["certificate-authority-data"] as string, "base64");
  const token = kc.users[0]?.user.token as string;
  return (method, path, body) =>
    new Promise((resolve, reject) => {
      const req = request(`${server}${path}`, { method, ca, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: text.startsWith("{") ? (JSON.parse(text) as KubeObject) : { text } });
        });
      });
      req.on("error", reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
}
