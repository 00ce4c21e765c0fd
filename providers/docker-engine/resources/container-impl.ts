// Docker container: implementation run in the provider process. Create is
// all-or-nothing: a container that does not come up (running, and healthy when
// it has a health check) is removed again and the error carries its last log
// lines, with every secret env value masked. Read reports live values, so
// `pulumi refresh` shows drift. Bind mounts only come from the directories the
// stack allows (`bosun:hostPathRoots`); at create, on a local engine, their
// real paths (symlinks followed) must stay inside them.
//
// Over 300 lines: create's all-or-nothing path (pull, create, start, readiness,
// cleanup) reads as one story. Files put into the container (certificates,
// keys) live in container-files.ts.
import { z } from "zod";
import { checkWith, userInputs, type ConfigSource, type Props } from "../../kit/index.ts";
import { HOST_PATH_ROOTS_KEY, hostPathOutsideRoots, parseHostPathRoots, resolveInsideRoots } from "../../kit/host-paths.ts";
import { EngineError, demuxLogs, isNotFound, type Engine } from "../client/engine.ts";
import { configure as configureEngine, getEngine, isLocalEngine } from "./connection.ts";
import { RELOADS, desiredDigest, filesSchema, liveDigest, maskFiles, reloadService, writeFiles } from "./container-files.ts";
import { NAME, ipv4, labels, port } from "./schemas.ts";

let roots: string[] | undefined;
let rootsError: string | undefined;

export function configure(config: ConfigSource): void {
  configureEngine(config);
  let value: string | undefined;
  try {
    value = config.get(HOST_PATH_ROOTS_KEY) || undefined;
  } catch {
    value = undefined;
  }
  try {
    roots = parseHostPathRoots(value);
    rootsError = undefined;
  } catch (err) {
    roots = undefined;
    rootsError = (err as Error).message;
  }
}

/** The stack's allowed bind-mount roots (the default when configure() has not run). */
function allowedRoots(): string[] {
  if (rootsError) throw new Error(rootsError);
  return roots ?? parseHostPathRoots(undefined);
}

const absolute = z.string().startsWith("/", "must be an absolute path");
const inputs = z.object({
  name: NAME,
  image: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/, "must be an image reference like nginx:1.27-alpine"),
  pull: z.enum(["missing", "never", "always"]).default("missing"),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"), z.string()).default({}),
  command: z.array(z.string()).optional(),
  memoryMb: z.number().int("must be a whole number of MiB").min(6, "must be at least 6 (the engine's minimum)").max(1_048_576),
  cpus: z.number().positive("must be more than 0").max(1024).optional(),
  ports: z.array(z.object({ internal: port, external: port, protocol: z.enum(["tcp", "udp"]), ip: ipv4.optional() })).default([]),
  volumes: z
    .array(
      z
        .object({ volumeName: z.string().optional(), hostPath: absolute.optional(), containerPath: absolute, readOnly: z.boolean().default(false) })
        .refine((v) => (v.volumeName === undefined) !== (v.hostPath === undefined), "needs exactly one of volumeName or hostPath"),
    )
    .default([]),
  healthCheck: z.object({ test: z.array(z.string()).min(1), intervalSeconds: z.number().int().min(1), retries: z.number().int().min(1) }).optional(),
  restart: z.enum(["no", "always", "unless-stopped", "on-failure"]).default("unless-stopped"),
  network: z.object({ name: z.string().min(1), ipv4Address: ipv4.optional(), aliases: z.array(z.string()).optional() }).optional(),
  hostname: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name")
    .optional(),
  labels: labels.default({}),
  startTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
  /** Env names whose values are secrets: masked in the log lines an error carries. */
  secretEnv: z.array(z.string()).default([]),
  /** Files written into the container before its first start; contents may be secrets. */
  files: filesSchema.optional(),
  /** What tells the service that `files` changed on an existing container. */
  reload: z.enum(RELOADS).default("restart"),
});
type Inputs = z.infer<typeof inputs>;

/** Fields fixed at creation (a change means a new container). */
const REPLACE = ["name", "image", "env", "command", "ports", "volumes", "healthCheck", "network", "hostname", "labels"] as const;
/** Fields `POST /containers/{id}/update` changes in place. */
const UPDATE = ["memoryMb", "cpus", "restart"] as const;

interface ContainerInspect {
  Id: string;
  RestartCount?: number;
  Image: string;
  State: { Status: string; ExitCode: number; Health?: { Status: string } };
  HostConfig: { Memory: number; NanoCpus: number; RestartPolicy: { Name: string } };
  NetworkSettings: { Networks?: Record<string, { IPAddress: string }> };
}

const MiB = 1024 * 1024;
const label = (i: Partial<Inputs>) => `Docker container ${i.name ?? "?"}`;
const stable = (v: unknown) => JSON.stringify(v ?? null);

function restartPolicy(r: Inputs["restart"]) {
  return { Name: r === "no" ? "" : r, ...(r === "on-failure" ? { MaximumRetryCount: 5 } : {}) };
}

async function ensureImage(engine: Engine, i: Inputs): Promise<void> {
  const present = await engine.json("GET", `/images/${encodeURIComponent(i.image)}/json`).then(
    () => true,
    (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
  );
  if (present && i.pull !== "always") return;
  if (i.pull === "never") throw new Error(`${label(i)}: image ${i.image} is not present locally and pull is "never"`);
  const [repo, tag] = splitImage(i.image);
  try {
    const body = (
      await engine.raw("POST", `/images/create?fromImage=${encodeURIComponent(repo)}&tag=${encodeURIComponent(tag)}`, undefined, 600_000)
    ).toString();
    const failed = body
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { error?: string })
      .find((m) => m.error);
    if (failed) throw new Error(failed.error);
  } catch (err) {
    if (present) return; // "always" but the registry is unreachable: the local copy will do
    throw new Error(`${label(i)}: image ${i.image} is not present locally and could not be pulled: ${(err as Error).message}`, { cause: err });
  }
}

function splitImage(image: string): [string, string] {
  const at = image.indexOf("@");
  if (at >= 0) return [image.slice(0, at), image.slice(at + 1)];
  const colon = image.lastIndexOf(":");
  return colon > image.lastIndexOf("/") ? [image.slice(0, colon), image.slice(colon + 1)] : [image, "latest"];
}

function createBody(i: Inputs) {
  const portKey = (p: Inputs["ports"][number]) => `${p.internal}/${p.protocol}`;
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of i.ports) (bindings[portKey(p)] ??= []).push({ HostIp: p.ip ?? "", HostPort: String(p.external) });
  return {
    Image: i.image,
    Env: Object.entries(i.env).map(([k, v]) => `${k}=${v}`),
    ...(i.command ? { Cmd: i.command } : {}),
    ...(i.hostname ? { Hostname: i.hostname } : {}),
    Labels: { ...i.labels, "bosun.managed": "true", "bosun.resource": i.name },
    ExposedPorts: Object.fromEntries(i.ports.map((p) => [portKey(p), {}])),
    ...(i.healthCheck
      ? { Healthcheck: { Test: i.healthCheck.test, Interval: i.healthCheck.intervalSeconds * 1e9, Retries: i.healthCheck.retries, StartPeriod: 5e9 } }
      : {}),
    HostConfig: {
      Memory: i.memoryMb * MiB,
      MemorySwap: i.memoryMb * MiB,
      ...(i.cpus ? { NanoCpus: Math.round(i.cpus * 1e9) } : {}),
      RestartPolicy: restartPolicy(i.restart),
      PortBindings: bindings,
      Mounts: i.volumes.map((v) => ({
        Type: v.volumeName ? "volume" : "bind",
        Source: v.volumeName ?? v.hostPath,
        Target: v.containerPath,
        ReadOnly: v.readOnly,
      })),
    },
    ...(i.network
      ? {
          NetworkingConfig: {
            EndpointsConfig: {
              [i.network.name]: { ...(i.network.ipv4Address ? { IPAMConfig: { IPv4Address: i.network.ipv4Address } } : {}), Aliases: i.network.aliases ?? [] },
            },
          },
        }
      : {}),
  };
}

/** Every secret env value and every file content replaced by "[secret]" (longest first, so one value inside another is still hidden). */
export function maskSecrets(text: string, i: Pick<Inputs, "env" | "secretEnv"> & { files?: Inputs["files"] }): string {
  const values = i.secretEnv
    .map((k) => i.env[k])
    .filter((v): v is string => typeof v === "string" && v.length > 0)
    .sort((a, b) => b.length - a.length);
  return maskFiles(
    values.reduce((t, v) => t.split(v).join("[secret]"), text),
    i.files,
  );
}

async function lastLogs(engine: Engine, id: string, i: Inputs): Promise<string> {
  const raw = await engine.raw("GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=20`).catch(() => Buffer.from(""));
  return maskSecrets(demuxLogs(raw).trimEnd(), i);
}

/**
 * Runs the container's own health check once, now (Docker's exec API), and says whether it passed.
 * bosun probes readiness itself at a short interval instead of waiting for Docker's health
 * interval (30 s in the catalog's templates; Docker 20.10 has no start interval): health is
 * still verified before a create reports success, just as soon as it holds.
 */
async function probeHealth(engine: Engine, id: string, test: string[]): Promise<boolean> {
  const [kind, ...rest] = test;
  const cmd = kind === "CMD-SHELL" ? ["/bin/sh", "-c", rest.join(" ")] : kind === "CMD" ? rest : test;
  if (cmd.length === 0 || kind === "NONE") return true;
  const exec = await engine.json<{ Id: string }>("POST", `/containers/${id}/exec`, { Cmd: cmd, AttachStdout: true, AttachStderr: true });
  await engine.raw("POST", `/exec/${exec.Id}/start`, { Detach: false, Tty: false }, 15_000);
  const done = await engine.json<{ Running: boolean; ExitCode: number | null }>("GET", `/exec/${exec.Id}/json`);
  return !done.Running && done.ExitCode === 0;
}

/**
 * Waits for running (and healthy, by bosun's own probe); throws with the last log lines otherwise.
 * `restartsBefore`: the restart count before a reload, so only restarts since then count as a crash.
 */
async function waitUp(engine: Engine, id: string, i: Inputs, restartsBefore = 0): Promise<ContainerInspect> {
  const deadline = Date.now() + i.startTimeoutSeconds * 1000;
  let runningSince: number | undefined;
  let probed = false;
  for (;;) {
    const c = await engine.json<ContainerInspect>("GET", `/containers/${id}/json`);
    const health = c.State.Health?.Status;
    // A restart policy brings a crashing process back, so "restarting" or any restart so far is a failed start too.
    const restarted = c.State.Status === "restarting" || (c.RestartCount ?? 0) > restartsBefore;
    if (c.State.Status === "exited" || c.State.Status === "dead" || health === "unhealthy" || restarted) {
      const logs = await lastLogs(engine, id, i);
      const why =
        health === "unhealthy"
          ? "its health check failed"
          : restarted
            ? `it exited and was restarted (exit code ${c.State.ExitCode})`
            : `it exited with code ${c.State.ExitCode}`;
      throw new Error(`${label(i)} did not start: ${why}.${logs ? ` Last log lines:\n${logs}` : " It wrote no log lines."}`);
    }
    if (c.State.Status === "running") {
      runningSince ??= Date.now();
      // A command that fails right away is "running" for a moment: give it a second.
      if (Date.now() - runningSince >= 1000) {
        if (!i.healthCheck || health === "healthy") return c;
        probed = await probeHealth(engine, id, i.healthCheck.test).catch(() => false);
        if (probed) return c;
      }
    }
    if (Date.now() > deadline) {
      const logs = await lastLogs(engine, id, i);
      throw new Error(
        `${label(i)} was not ${i.healthCheck ? "healthy" : "running"} after ${i.startTimeoutSeconds} s (state ${c.State.Status}${health ? `, health ${health}` : ""}${i.healthCheck && !probed ? ", its health check did not pass" : ""}).${logs ? ` Last log lines:\n${logs}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function outputs(c: ContainerInspect, i: Props, filesSha256: string) {
  const networkName = (i.network as { name?: string } | undefined)?.name;
  return {
    ...i,
    containerId: c.Id,
    filesSha256,
    imageId: c.Image,
    state: c.State.Status,
    memoryMb: Math.round(c.HostConfig.Memory / MiB),
    ...(i.cpus !== undefined || c.HostConfig.NanoCpus ? { cpus: c.HostConfig.NanoCpus / 1e9 } : {}),
    restart: c.HostConfig.RestartPolicy.Name === "" ? "no" : c.HostConfig.RestartPolicy.Name,
    ipAddress: networkName ? (c.NetworkSettings.Networks?.[networkName]?.IPAddress ?? "") : "",
  };
}

export async function check(_olds: Props, news: Props) {
  const checked = checkWith(label(news as Partial<Inputs>), inputs, news);
  const volumes = Array.isArray(news.volumes) ? (news.volumes as { hostPath?: unknown }[]) : [];
  for (const [n, v] of volumes.entries()) {
    if (typeof v?.hostPath !== "string") continue;
    let problem: string | undefined;
    try {
      problem = hostPathOutsideRoots(v.hostPath, allowedRoots());
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem) checked.failures.push({ property: `volumes[${n}].hostPath`, reason: `${label(news as Partial<Inputs>)}: ${problem}` });
  }
  return checked;
}

/**
 * The bind sources as the engine will see them. On a local engine each is
 * resolved on disk and must stay inside an allowed root; a remote engine's
 * disk cannot be seen from here, so only the lexical rule applies there.
 */
function bindSources(i: Inputs): Inputs {
  const allowed = allowedRoots();
  const volumes = i.volumes.map((v) => {
    if (v.hostPath === undefined) return v;
    const problem = hostPathOutsideRoots(v.hostPath, allowed);
    if (problem) throw new Error(`${label(i)}: ${problem}`);
    return isLocalEngine() ? { ...v, hostPath: resolveInsideRoots(v.hostPath, allowed) } : v;
  });
  return { ...i, volumes };
}

export async function diff(_id: string, olds: Props, news: Props) {
  const n = userInputs(news);
  const replaces = REPLACE.filter((f) => stable(olds[f]) !== stable(n[f]));
  const updates = UPDATE.filter((f) => n[f] !== undefined && stable(olds[f]) !== stable(n[f]));
  // Stopped behind Pulumi's back (seen by refresh): an update starts it again.
  const stopped = olds.state !== undefined && olds.state !== "running" ? ["state"] : [];
  // Files compare by digest: the old one is what read() last saw live, so a file edited or deleted in the container shows here.
  const parsedFiles = filesSchema.optional().safeParse(n.files);
  const files = !parsedFiles.success || desiredDigest(parsedFiles.data) !== (olds.filesSha256 ?? "") ? ["files"] : [];
  const reload = (olds.reload ?? "restart") !== (n.reload ?? "restart") ? ["reload"] : [];
  const changed = [...replaces, ...updates, ...stopped, ...files, ...reload];
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: replaces.length > 0 && olds.name === n.name };
}

/**
 * A container by this name that bosun itself made for this resource (its labels say so) is a
 * create whose answer was lost (a crash, a dropped connection): it never reached the state, so it
 * is removed and made again. A container by this name that bosun did not make is left alone.
 */
async function clearLostCreate(engine: Engine, i: Inputs): Promise<void> {
  const existing = await engine.json<{ Id: string; Config: { Labels?: Record<string, string> } }>("GET", `/containers/${encodeURIComponent(i.name)}/json`);
  const labels = existing.Config.Labels ?? {};
  if (labels["bosun.managed"] !== "true" || labels["bosun.resource"] !== i.name) {
    throw new Error(`${label(i)}: a container with this name already exists and was not made by bosun; rename or remove it, or pick another service name`);
  }
  await engine.json("DELETE", `/containers/${existing.Id}?force=1`);
}

export async function create(props: Props) {
  const i = inputs.parse(userInputs(props));
  const engine = getEngine();
  let mounted: Inputs;
  try {
    mounted = bindSources(i);
  } catch (err) {
    throw err instanceof Error && err.message.startsWith(label(i)) ? err : new Error(`${label(i)}: ${(err as Error).message}`);
  }
  await ensureImage(engine, i);
  const make = () => engine.json<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(i.name)}`, createBody(mounted));
  const created = await make()
    .catch(async (err: unknown) => {
      if (!(err instanceof EngineError && err.status === 409)) throw err;
      await clearLostCreate(engine, i);
      return make();
    })
    .catch((err: Error) => {
      throw err.message.startsWith(label(i)) ? err : new Error(`${label(i)}: ${maskSecrets(err.message, i)}`);
    });
  try {
    // Before the first start, so the process finds its certificate and key when it starts.
    const filesSha256 = i.files?.length ? await writeFiles(engine, created.Id, i.files) : "";
    await engine.json("POST", `/containers/${created.Id}/start`);
    const c = await waitUp(engine, created.Id, i);
    return { id: created.Id, outs: outputs(c, { ...userInputs(props), ...i }, filesSha256) };
  } catch (err) {
    // All or nothing: no half-started container stays behind.
    const left = await engine.json("DELETE", `/containers/${created.Id}?force=1`).then(
      () => "",
      (e: Error) => ` (removing the container ${created.Id.slice(0, 12)} failed too: ${e.message}; remove it by hand)`,
    );
    const message = maskSecrets((err as Error).message, i) + left;
    // eslint-disable-next-line preserve-caught-error -- the cause may hold a secret in clear; only the masked message leaves
    throw new Error(message.startsWith(label(i)) ? message : `${label(i)}: ${message}`);
  }
}

export async function read(id: string, props: Props) {
  try {
    const engine = getEngine();
    const c = await engine.json<ContainerInspect>("GET", `/containers/${id}/json`);
    const files = filesSchema.optional().safeParse(props.files);
    const filesSha256 = files.success ? await liveDigest(engine, id, files.data) : "";
    return { id, props: outputs(c, props, filesSha256) };
  } catch (err) {
    if (isNotFound(err)) return {};
    throw err;
  }
}

export async function update(id: string, _olds: Props, news: Props) {
  const i = inputs.parse(userInputs(news));
  const engine = getEngine();
  await engine.json("POST", `/containers/${id}/update`, {
    Memory: i.memoryMb * MiB,
    MemorySwap: i.memoryMb * MiB,
    ...(i.cpus ? { NanoCpus: Math.round(i.cpus * 1e9) } : {}),
    RestartPolicy: restartPolicy(i.restart),
  });
  // Rewritten only when the live files differ from the new ones; files dropped from `files` stay in the container (the archive API cannot delete).
  let filesSha256 = await liveDigest(engine, id, i.files);
  const filesChanged = filesSha256 !== desiredDigest(i.files);
  if (filesChanged && i.files?.length) {
    filesSha256 = await writeFiles(engine, id, i.files).catch((err: Error) => {
      throw new Error(`${label(i)}: ${err.message}`, { cause: err });
    });
  }
  const before = await engine.json<ContainerInspect>("GET", `/containers/${id}/json`);
  if (before.State.Status !== "running") {
    await engine.json("POST", `/containers/${id}/start`);
    await waitUp(engine, id, i);
  } else if (filesChanged && i.files?.length && i.reload !== "none") {
    await reloadService(engine, id, i.reload);
    await waitUp(engine, id, i, before.RestartCount ?? 0).catch((err: Error) => {
      // No cause: it may hold a secret in clear; only the masked message leaves.
      throw new Error(`${maskSecrets(err.message, i)} (after ${i.reload === "restart" ? "a restart" : i.reload} for its new files)`);
    });
  }
  return { outs: outputs(await engine.json<ContainerInspect>("GET", `/containers/${id}/json`), { ...userInputs(news), ...i }, filesSha256) };
}

export async function remove(id: string) {
  await getEngine()
    .json("DELETE", `/containers/${id}?force=1`)
    .catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
}
