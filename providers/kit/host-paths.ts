// Host paths a container may bind-mount: the one path library, shared by the
// spec rules (stacks/model/rules.ts) and the Docker provider. A chat-driven
// deployment must never hand a container the Docker host's root, so a host
// path is (1) written in normal form, lexically (no `..`, `.`, `//`, trailing
// `/`), (2) outside every system directory and not one of their parents, and
// (3) inside a root the stack's config allows (`bosun:hostPathRoots`, default
// `$BOSUN_STATE/data`). The provider checks symlinks at apply time
// (`resolveInsideRoots`), where the real file system can be seen.
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { join, posix } from "node:path";
import { stateDir } from "./places.ts";

/** Stack config key: a JSON list of absolute directories bind mounts may come from. */
export const HOST_PATH_ROOTS_KEY = "bosun:hostPathRoots";

/**
 * Directories that hold the host's system, its secrets or the container engine.
 * A path inside one, or a parent of one (`/var` holds `/var/run/docker.sock`), is refused.
 */
export const SYSTEM_PATHS = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/usr",
  "/var/lib/containerd",
  "/var/lib/docker",
  "/var/lib/kubelet",
  "/var/run",
  "/var/spool",
] as const;

/** Why `path` is not in normal form, or undefined when it is. */
export function hostPathFormProblem(path: string): string | undefined {
  if (!path.startsWith("/")) return "must be an absolute path (start with /)";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(path)) return "must not contain control characters";
  if (path === "/") return undefined;
  const normal = posix.normalize(path).replace(/\/+$/, "");
  if (path.includes("//")) return `must not contain "//" (write ${normal || "/"})`;
  if (path.endsWith("/")) return `must not end with "/" (write ${normal})`;
  if (path.split("/").some((s) => s === "." || s === "..")) return `must not contain "/." or "/.." segments (write ${normal || "/"})`;
  return undefined;
}

const inside = (path: string, dir: string) => dir === "/" || path === dir || path.startsWith(`${dir}/`);

/** The system directory `path` is inside or a parent of, if any (`path` in normal form). */
export function systemPathClash(path: string): string | undefined {
  if (path === "/") return "/";
  return SYSTEM_PATHS.find((s) => inside(path, s) || inside(s, path));
}

/** Why `path` may never be bind-mounted, whatever the roots; undefined when it may be. */
export function hostPathProblem(path: string): string | undefined {
  const form = hostPathFormProblem(path);
  if (form) return form;
  const clash = systemPathClash(path);
  if (clash === "/") return "is the host's root directory";
  if (clash) return `is ${path === clash ? "" : inside(path, clash) ? "inside " : "a parent of "}the system directory ${clash}`;
  return undefined;
}

export { stateDir };

/** Where bind mounts may come from when the stack names no roots. */
export function defaultHostPathRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), "data");
}

/** The stack's roots from `bosun:hostPathRoots` (a JSON list, or one path); throws naming the key on bad input. */
export function parseHostPathRoots(value: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (value === undefined || value.trim() === "") return [defaultHostPathRoot(env)];
  let roots: unknown;
  try {
    roots = value.trim().startsWith("[") ? JSON.parse(value) : [value.trim()];
  } catch {
    throw new Error(`${HOST_PATH_ROOTS_KEY}: expected a JSON list of absolute paths such as ["/srv/bosun"]`);
  }
  if (!Array.isArray(roots) || roots.some((r) => typeof r !== "string"))
    throw new Error(`${HOST_PATH_ROOTS_KEY}: expected a JSON list of absolute paths such as ["/srv/bosun"]`);
  const state = stateDir(env);
  for (const root of roots as string[]) {
    const problem = hostPathProblem(root);
    if (problem) throw new Error(`${HOST_PATH_ROOTS_KEY}: ${root} ${problem}`);
    if (inside(state, root) || (inside(root, state) && !inside(root, defaultHostPathRoot(env))))
      throw new Error(
        `${HOST_PATH_ROOTS_KEY}: ${root} would expose bosun's own state folder ${state}; use a directory of its own, such as ${defaultHostPathRoot(env)}`,
      );
  }
  return roots as string[];
}

/** Why `path` may not be bind-mounted from these roots (lexically); undefined when it may. */
export function hostPathOutsideRoots(path: string, roots: readonly string[]): string | undefined {
  const problem = hostPathProblem(path);
  if (problem) return `host path ${path} ${problem}`;
  if (roots.some((r) => inside(path, r))) return undefined;
  return `host path ${path} is outside the directories this stack allows for bind mounts (${roots.join(", ")}); put the data there or add a directory to ${HOST_PATH_ROOTS_KEY}`;
}

/**
 * Apply time, on the Docker host itself: the real path of `path` (symlinks
 * followed) must stay inside the real path of a root. A missing path is created
 * inside its root (0700), as the engine would refuse a missing bind source.
 * Returns the real path to mount, or throws saying what escaped where.
 */
export function resolveInsideRoots(path: string, roots: readonly string[]): string {
  const lexical = hostPathOutsideRoots(path, roots);
  if (lexical) throw new Error(lexical);
  const root = roots.find((r) => inside(path, r)) ?? "";
  if (!existsSync(root)) mkdirSync(root, { recursive: true, mode: 0o700 });
  const realRoot = realpathSync(root);
  // Walk down from the root one segment at a time, so a symlink anywhere on the way is seen before anything is created behind it.
  let current = realRoot;
  for (const segment of path.slice(root.length).split("/").filter(Boolean)) {
    const next = join(current, segment);
    if (!existsSync(next)) mkdirSync(next, { mode: 0o700 });
    current = realpathSync(next);
    if (!inside(current, realRoot))
      throw new Error(`host path ${path} leads through a symbolic link to ${current}, outside ${root}; bind mounts must stay inside it`);
  }
  const clash = hostPathProblem(current);
  if (clash) throw new Error(`host path ${path} resolves to ${current}, which ${clash}`);
  return current;
}
